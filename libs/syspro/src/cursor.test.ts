import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMlcError } from '@mlc/errors';
import { advance, continueQuery, cursorFromJSON, cursorToJSON, initialCursor, startQuery, type PollCursor } from './cursor.js';
import { f } from './odata-filter.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isMlcError(err) ? err.code : 'not-an-MlcError';
  }
}

const keys = { keyColumns: ['Supplier'] };

test('a fresh cursor reads everything, ordered by cursor column and key', () => {
  const cursor = initialCursor({ column: 'LastChanged', kind: 'datetime' });
  assert.deepEqual(startQuery(cursor, keys), { orderby: 'LastChanged,Supplier' });
  assert.deepEqual(continueQuery(cursor, keys), { orderby: 'LastChanged,Supplier' });
});

test('a datetime poll starts one overlap window before the position', () => {
  const cursor = advance(initialCursor({ column: 'LastChanged', kind: 'datetime' }), [{ Supplier: 'A', LastChanged: '2024-01-15T10:00:00Z' }], keys);
  assert.equal(startQuery(cursor, keys).filter?.text, 'LastChanged ge 2024-01-15T09:58:00.000Z');
  assert.equal(startQuery(cursor, { ...keys, overlapMs: 0 }).filter?.text, 'LastChanged ge 2024-01-15T10:00:00.000Z');
  assert.equal(codeOf(() => startQuery(cursor, { ...keys, overlapMs: -1 })), 'MLC_CONFIG_INVALID');
});

test('zone-less SYSPRO datetimes keep their precision and are written with Z by default', () => {
  const cursor = advance(initialCursor({ column: 'LastChanged', kind: 'datetime' }), [{ Supplier: 'A', LastChanged: '2024-01-15T10:00:00.1234567' }], keys);
  assert.equal(cursor.value, '2024-01-15T10:00:00.1234567');
  assert.equal(startQuery(cursor, keys).filter?.text, 'LastChanged ge 2024-01-15T09:58:00.123Z');
  assert.equal(
    continueQuery(cursor, keys).filter?.text,
    "(LastChanged gt 2024-01-15T10:00:00.1234567Z) or ((LastChanged eq 2024-01-15T10:00:00.1234567Z) and (Supplier gt 'A'))",
  );
  assert.equal(startQuery(cursor, { ...keys, naiveDateTimeSuffix: '' }).filter?.text, 'LastChanged ge 2024-01-15T09:58:00.123');
});

test('rowversion and number cursors start inclusive (ge), without a time overlap', () => {
  const rv = advance(initialCursor({ column: 'TimeStamp', kind: 'rowversion' }), [{ Supplier: 'A', TimeStamp: 'AAAAAAAAB9E=' }], keys);
  assert.equal(startQuery(rv, keys).filter?.text, "TimeStamp ge binary'AAAAAAAAB9E='");
  assert.equal(startQuery(rv, { ...keys, rowversionLiteral: 'string' }).filter?.text, "TimeStamp ge 'AAAAAAAAB9E='");
  const rvInt = advance(initialCursor({ column: 'TimeStamp', kind: 'rowversion' }), [{ Supplier: 'A', TimeStamp: 2001 }], keys);
  assert.equal(startQuery(rvInt, { ...keys, rowversionLiteral: 'integer' }).filter?.text, 'TimeStamp ge 2001');
  const num = advance(initialCursor({ column: 'ChangeSeq', kind: 'number' }), [{ Supplier: 'A', ChangeSeq: '90071992547409930' }], keys);
  assert.equal(startQuery(num, keys).filter?.text, 'ChangeSeq ge 90071992547409930');
});

test('continuing after a page is a keyset position over a composite key', () => {
  const options = { keyColumns: ['Supplier', 'Invoice'] };
  const cursor = advance(
    initialCursor({ column: 'TimeStamp', kind: 'number' }),
    [
      { Supplier: 'A', Invoice: '1', TimeStamp: 7 },
      { Supplier: "O'Brien", Invoice: 'INV 2', TimeStamp: 9 },
    ],
    options,
  );
  assert.deepEqual(cursor.lastKey, ["O'Brien", 'INV 2']);
  assert.equal(
    continueQuery(cursor, options).filter?.text,
    "(TimeStamp gt 9) or ((TimeStamp eq 9) and ((Supplier gt 'O''Brien') or ((Supplier eq 'O''Brien') and (Invoice gt 'INV 2'))))",
  );
  assert.equal(startQuery(cursor, options).orderby, 'TimeStamp,Supplier,Invoice');
  assert.equal(codeOf(() => continueQuery(cursor, { keyColumns: ['Supplier'] })), 'MLC_CONFIG_INVALID');
});

test('a static where clause is and-ed into every query', () => {
  const where = f.eq('Warehouse', 'W1');
  const cursor = initialCursor({ column: 'TimeStamp', kind: 'number' });
  assert.equal(startQuery(cursor, { ...keys, where }).filter?.text, "Warehouse eq 'W1'");
  const moved = advance(cursor, [{ Supplier: 'A', TimeStamp: 1 }], keys);
  assert.equal(startQuery(moved, { ...keys, where }).filter?.text, "(Warehouse eq 'W1') and (TimeStamp ge 1)");
});

test('advance keeps the cursor on an empty page and moves to the last row otherwise', () => {
  const cursor = initialCursor({ column: 'TimeStamp', kind: 'number' });
  assert.equal(advance(cursor, [], keys), cursor);
  const moved = advance(cursor, [{ Supplier: 'A', TimeStamp: 5 }, { Supplier: 'B', TimeStamp: 5 }], keys);
  assert.deepEqual(cursorToJSON(moved), { v: 1, column: 'TimeStamp', kind: 'number', value: '5', lastKey: ['B'] });
  assert.ok(Object.isFrozen(moved) && Object.isFrozen(moved.lastKey));
});

test('advance refuses rows it could not position after', () => {
  const cursor = initialCursor({ column: 'LastChanged', kind: 'datetime' });
  assert.equal(codeOf(() => advance(cursor, [{ Supplier: 'A' }], keys)), 'MLC_DECODE_FAILED');
  assert.equal(codeOf(() => advance(cursor, [{ Supplier: 'A', LastChanged: 'yesterday' }], keys)), 'MLC_DECODE_FAILED');
  assert.equal(codeOf(() => advance(cursor, [{ Supplier: null, LastChanged: '2024-01-15T10:00:00Z' }], keys)), 'MLC_DECODE_FAILED');
  assert.equal(codeOf(() => advance(cursor, [{ Supplier: 'A', LastChanged: '2024-01-15T10:00:00Z' }], { keyColumns: [] })), 'MLC_CONFIG_INVALID');
});

test('toJSON/fromJSON round-trip through JSON text; bad stored state is refused', () => {
  const cursor: PollCursor = advance(
    initialCursor({ column: 'LastChanged', kind: 'datetime' }),
    [{ Supplier: 'A', LastChanged: '2024-01-15T10:00:00+02:00' }],
    keys,
  );
  const back = cursorFromJSON(JSON.parse(JSON.stringify(cursorToJSON(cursor))));
  assert.deepEqual(back, cursor);
  assert.deepEqual(cursorFromJSON(cursorToJSON(initialCursor({ column: 'X', kind: 'number' }))), initialCursor({ column: 'X', kind: 'number' }));
  assert.equal(codeOf(() => cursorFromJSON({ v: 2, column: 'X', kind: 'number', value: null })), 'MLC_DECODE_FAILED');
  assert.equal(codeOf(() => cursorFromJSON({ v: 1, column: 'X', kind: 'datetime', value: 'soon' })), 'MLC_DECODE_FAILED');
  assert.equal(codeOf(() => cursorFromJSON({ v: 1, column: 'X or 1', kind: 'number', value: null })), 'MLC_CONFIG_INVALID');
  assert.equal(codeOf(() => initialCursor({ column: 'X', kind: 'weird' as 'number' })), 'not-an-MlcError');
});

test('reading a table page by page with continueQuery visits every row once, even with ties', () => {
  // Simulates the server: rows ordered by (TimeStamp, Supplier), filtered by our $filter semantics.
  const table = Array.from({ length: 23 }, (_, i) => ({ Supplier: `S${String(i).padStart(2, '0')}`, TimeStamp: Math.floor(i / 4) }));
  const matches = (cursor: PollCursor, row: { Supplier: string; TimeStamp: number }) =>
    cursor.value === null ||
    row.TimeStamp > Number(cursor.value) ||
    (row.TimeStamp === Number(cursor.value) && row.Supplier > String(cursor.lastKey?.[0]));
  let cursor = initialCursor({ column: 'TimeStamp', kind: 'number' });
  const seen: string[] = [];
  for (;;) {
    continueQuery(cursor, keys);
    const page = table.filter((r) => matches(cursor, r)).slice(0, 5);
    seen.push(...page.map((r) => r.Supplier));
    cursor = advance(cursor, page, keys);
    if (page.length < 5) break;
  }
  assert.deepEqual(seen, table.map((r) => r.Supplier));
});
