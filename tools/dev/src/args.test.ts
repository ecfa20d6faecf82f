import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { parseDevArgs } from './args.js';

const invalid = (error: unknown) => error instanceof MlcError && error.code === 'MLC_CONFIG_INVALID';

test('no arguments: every service, the sandbox, output by terminal, the stack as it was found', () => {
  assert.deepEqual(parseDevArgs([]), {
    only: undefined,
    connections: undefined,
    sandbox: true,
    withStackDown: false,
    keepStack: false,
    output: 'auto',
    logLevel: 'info',
    basePort: 8081,
  });
});

test('--only takes comma lists and repeats', () => {
  const options = parseDevArgs(['--only', 'coupa-writer, syspro-poller', '--only=coupa-gateway']);
  assert.ok(options !== 'help');
  assert.deepEqual(options.only, ['coupa-writer', 'syspro-poller', 'coupa-gateway']);
});

test('--connections replaces the sandbox; --no-sandbox alone keeps the default file', () => {
  const own = parseDevArgs(['--connections', 'conn.json']);
  assert.ok(own !== 'help');
  assert.equal(own.sandbox, false);
  assert.equal(own.connections, 'conn.json');
  const none = parseDevArgs(['--no-sandbox']);
  assert.ok(none !== 'help');
  assert.equal(none.sandbox, false);
  assert.equal(none.connections, undefined);
});

test('flags and values', () => {
  const options = parseDevArgs(['--with-stack-down', '--keep-stack', '--output', 'json', '--log-level', 'debug', '--base-port', '9000']);
  assert.ok(options !== 'help');
  assert.equal(options.withStackDown, true);
  assert.equal(options.keepStack, true);
  assert.equal(options.output, 'json');
  assert.equal(options.logLevel, 'debug');
  assert.equal(options.basePort, 9000);
});

test('help', () => {
  assert.equal(parseDevArgs(['-h']), 'help');
  assert.equal(parseDevArgs(['--only', 'x', '--help']), 'help');
});

test('unknown options, positionals and bad values are MLC_CONFIG_INVALID', () => {
  assert.throws(() => parseDevArgs(['--sandbox-off']), invalid);
  assert.throws(() => parseDevArgs(['coupa-writer']), invalid);
  assert.throws(() => parseDevArgs(['--only', '']), invalid);
  assert.throws(() => parseDevArgs(['--only', 'Coupa Writer']), invalid);
  assert.throws(() => parseDevArgs(['--log-level', 'verbose']), invalid);
  assert.throws(() => parseDevArgs(['--output', 'yaml']), invalid);
  assert.throws(() => parseDevArgs(['--base-port', '80.5']), invalid);
  assert.throws(() => parseDevArgs(['--base-port', '70000']), invalid);
  assert.throws(() => parseDevArgs(['--connections']), invalid);
});
