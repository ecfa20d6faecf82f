import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MlcError } from '@mlc/errors';
import { advance, cursorToJSON, initialCursor } from '@mlc/syspro';
import { checkResyncRequest, earliestResync, resyncCursor } from './resync.js';

const now = new Date('2026-11-29T00:00:00Z');
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (error) {
    const e = error as MlcError;
    return [e.code, (e.context.issues as { field: string }[]).map((i) => i.field)];
  }
};

test('a resync request names a connection; entity and since are optional and checked, every problem at once', () => {
  assert.deepEqual(checkResyncRequest({ connection: 'acme' }, now), { connection: 'acme' });
  const since = new Date('2026-11-24T00:00:00Z');
  assert.deepEqual(checkResyncRequest({ connection: 'acme', entity: 'supplier', since }, now), { connection: 'acme', entity: 'supplier', since });
  assert.deepEqual(issuesOf(() => checkResyncRequest({ connection: ' ', entity: 'spaceship' as never, since: new Date('nope') }, now)), ['MLC_CONFIG_INVALID', ['connection', 'entity', 'since']]);
  assert.deepEqual(issuesOf(() => checkResyncRequest({ connection: 'acme', since: new Date('2026-12-01T00:00:00Z') }, now)), ['MLC_CONFIG_INVALID', ['since']]);
});

test('of several pending requests, one from the start wins, else the earliest time', () => {
  const at = (iso: string) => ({ id: iso, since: new Date(iso) });
  assert.equal(earliestResync([at('2026-11-24T00:00:00Z'), { id: 'x', since: null }]), null);
  assert.deepEqual(earliestResync([at('2026-11-24T00:00:00Z'), at('2026-11-20T00:00:00Z')]), new Date('2026-11-20T00:00:00Z'));
});

test('a resync cursor goes back to the start, or to `since` for a datetime cursor, never forward', () => {
  const keys = { keyColumns: ['Supplier'] };
  const datetime = { column: 'LastChanged', kind: 'datetime' as const };
  const at = advance(initialCursor(datetime), [{ Supplier: 'A', LastChanged: '2026-11-26T10:00:00' }], keys);
  const json = (c: ReturnType<typeof initialCursor>) => cursorToJSON(c);
  assert.deepEqual(json(resyncCursor({ configured: datetime, current: at, since: null })), json(initialCursor(datetime)));
  assert.deepEqual(json(resyncCursor({ configured: datetime, current: at, since: new Date('2026-11-24T00:00:00Z') })), { v: 1, column: 'LastChanged', kind: 'datetime', value: '2026-11-24T00:00:00.000Z' });
  // A time after the position would skip what lies between: the position stays.
  assert.equal(resyncCursor({ configured: datetime, current: at, since: new Date('2026-11-27T00:00:00Z') }), at);
  // Never read: from the start.
  assert.deepEqual(json(resyncCursor({ configured: datetime, current: undefined, since: new Date('2026-11-24T00:00:00Z') })), json(initialCursor(datetime)));
  // Rowversion and number cursors have no time: from the start.
  const number = { column: 'TimeStamp', kind: 'number' as const };
  const numbered = advance(initialCursor(number), [{ Supplier: 'A', TimeStamp: 99 }], keys);
  assert.deepEqual(json(resyncCursor({ configured: number, current: numbered, since: new Date('2026-11-24T00:00:00Z') })), json(initialCursor(number)));
});
