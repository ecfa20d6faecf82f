import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compact, mapStopping, mapped, stopMapping, unmappable, type MapResult } from './map-result.js';

test('mapped and unmappable are the two answers; unmappable is a permanent MLC_MAPPING_FAILED with its context', () => {
  assert.deepEqual(mapped({ SUNO: 'A1' }), { ok: true, value: { SUNO: 'A1' } });
  const failed = unmappable('too long', { field: 'SUNO' });
  assert.equal(failed.ok, false);
  if (failed.ok) return;
  assert.equal(failed.error.code, 'MLC_MAPPING_FAILED');
  assert.equal(failed.error.retriable, false);
  assert.deepEqual(failed.error.context, { field: 'SUNO' });
});

test('stopMapping inside mapStopping becomes unmappable with both contexts; other throws stay throws', () => {
  const read = (value: string | undefined): string => value ?? stopMapping('required column is missing', { column: 'SupCode' });
  const run = (value: string | undefined): MapResult<string> => mapStopping({ entity: 'supplier' }, () => mapped(read(value)));
  assert.deepEqual(run('A1'), { ok: true, value: 'A1' });
  const stopped = run(undefined);
  assert.ok(!stopped.ok);
  assert.equal(stopped.error.code, 'MLC_MAPPING_FAILED');
  assert.deepEqual(stopped.error.context, { entity: 'supplier', column: 'SupCode' });
  assert.throws(() => mapStopping({}, () => { throw new TypeError('bug'); }), TypeError);
});

test('compact drops undefined members, keeps the order and falsy values, and an empty result is absent', () => {
  assert.deepEqual(Object.entries(compact({ b: 1, a: undefined, c: '', d: null, e: 0 }) ?? {}), [
    ['b', 1],
    ['c', ''],
    ['d', null],
    ['e', 0],
  ]);
  assert.equal(compact({ a: undefined }), undefined);
  assert.equal(compact({}), undefined);
});
