import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, editDistance, unknownKeyMessage } from './suggest.js';

test('editDistance counts insertions, deletions, substitutions and transpositions', () => {
  assert.equal(editDistance('', ''), 0);
  assert.equal(editDistance('abc', 'abc'), 0);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('cursorColum', 'cursorColumn'), 1);
  assert.equal(editDistance('emial', 'email'), 1);
  assert.equal(editDistance('ab', 'ba'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('didYouMean offers the closest known name, ignoring case', () => {
  assert.equal(didYouMean('cursorColum', ['enabled', 'entitySet', 'cursorColumn', 'cursorKind']), 'cursorColumn');
  assert.equal(didYouMean('emial', ['name', 'email', 'phone']), 'email');
  assert.equal(didYouMean('MLC_CONNECTION', ['MLC_CONNECTIONS', 'MLC_CONNECTIONS_FILE']), 'MLC_CONNECTIONS');
  assert.equal(didYouMean('pagesize', ['pageSize', 'timeoutMs']), 'pageSize');
});

test('didYouMean offers nothing when no known name is close', () => {
  assert.equal(didYouMean('extra', ['id', 'syspro', 'coupa', 'infor', 'mappings']), undefined);
  assert.equal(didYouMean('ab', ['xy']), undefined);
  assert.equal(didYouMean('anything', []), undefined);
});

test('unknownKeyMessage names the key and, when there is one, the suggestion', () => {
  assert.equal(unknownKeyMessage('cursorColum', ['cursorColumn']), 'unknown key "cursorColum" (did you mean "cursorColumn"?)');
  assert.equal(unknownKeyMessage('extra', ['id']), 'unknown key "extra"');
  assert.equal(unknownKeyMessage('MLC_CONNECTION', ['MLC_CONNECTIONS'], 'variable'), 'unknown variable "MLC_CONNECTION" (did you mean "MLC_CONNECTIONS"?)');
});
