import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepMerge } from './systems.js';

test('deepMerge merges objects key by key and replaces everything else', () => {
  const base = { syspro: { odata: { pageSize: 10, url: 'u' }, poll: { intervalSeconds: 1, entities: { invoice: { enabled: false } } } }, list: [1, 2] };
  const patch = { syspro: { poll: { overlapSeconds: 60, entities: { supplier: { cursorColumn: 'DateLastChanged' } } } }, list: [3], extra: true };
  assert.deepEqual(deepMerge(base, patch), {
    syspro: { odata: { pageSize: 10, url: 'u' }, poll: { intervalSeconds: 1, overlapSeconds: 60, entities: { invoice: { enabled: false }, supplier: { cursorColumn: 'DateLastChanged' } } } },
    list: [3],
    extra: true,
  });
  assert.deepEqual(base.syspro.poll.entities, { invoice: { enabled: false } }, 'the base is left alone');
});
