import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { EXIT, describeError, exitCodeFor } from './exit.js';

test('bad input exits 2, any other failure 1', () => {
  assert.equal(exitCodeFor(new MlcError('MLC_CONFIG_INVALID', 'x')), EXIT.badInput);
  assert.equal(exitCodeFor(new MlcError('MLC_GROUP_ACTIVE', 'x')), EXIT.failed);
  assert.equal(exitCodeFor(new MlcError('MLC_DB_UNAVAILABLE', 'x')), EXIT.failed);
  assert.equal(exitCodeFor(new Error('boom')), EXIT.failed);
});

test('the error line names the code; the JSON carries its context', () => {
  const { line, json } = describeError(new MlcError('MLC_CONFIG_INVALID', 'unknown group', { context: { group: 'g' } }));
  assert.match(line, /MLC_CONFIG_INVALID/);
  assert.equal(json.code, 'MLC_CONFIG_INVALID');
  assert.deepEqual(json.context, { group: 'g' });
});
