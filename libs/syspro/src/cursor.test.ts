import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMlcError } from '@mlc/errors';
import { advance, changeNumberOf, clampFuture, continueQuery, isBehind, cursorFromJSON, cursorToJSON, futureRows, initialCursor, lowerChangeNumber, startQuery, type PollCursor } from './cursor.js';
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

const datetimeAt = (value: string, column = 'LastChanged'): PollCursor => advance(initialCursor({ column, kind: 'datetime' }), [{ Supplier: 'A', [column]: value }], keys);

// Zone-less values are wall clock in the SYSPRO server's zone: the overlap is taken on instants and
// the start written back as wall clock, lowered to cover a repeated hour.
const ZONED_STARTS: Array<{ zone: string | undefined; value: string; start: string; case: string }> = [
  { case: 'UTC default: as before', zone: undefined, value: '2026-10-25T01:50:00', start: '2026-10-25T01:48:00.000Z' },
  { case: 'ordinary day', zone: 'Europe/London', value: '2026-07-01T12:00:00', start: '2026-07-01T11:58:00.000Z' },
  { case: 'fall-back, position in the first pass of the repeated hour: from its start', zone: 'Europe/London', value: '2026-10-25T01:50:00', start: '2026-10-25T01:00:00.000Z' },
  { case: 'fall-back, position at the start of the repeated hour', zone: 'Europe/London', value: '2026-10-25T01:01:00', start: '2026-10-25T00:59:00.000Z' },
  { case: 'fall-back, position just before the repeated hour', zone: 'Europe/London', value: '2026-10-25T00:59:00', start: '2026-10-25T00:57:00.000Z' },
  { case: 'fall-back, position after the repeated hour', zone: 'Europe/London', value: '2026-10-25T02:10:00', start: '2026-10-25T02:08:00.000Z' },
  { case: 'spring-forward: the overlap reaches back over the gap', zone: 'Europe/London', value: '2026-03-29T02:01:00', start: '2026-03-29T00:59:00.000Z' },
  { case: 'fall-back, position in the repeated hour', zone: 'America/Chicago', value: '2026-11-01T01:59:00', start: '2026-11-01T01:00:00.000Z' },
  { case: 'spring-forward: the overlap reaches back over the gap', zone: 'America/Chicago', value: '2026-03-08T03:01:00', start: '2026-03-08T01:59:00.000Z' },
  { case: 'a value in the gap (typed in): from its earliest reading', zone: 'America/Chicago', value: '2026-03-08T02:30:00', start: '2026-03-08T01:28:00.000Z' },
  { case: 'values with an offset are instants: the zone does not apply', zone: 'Europe/London', value: '2026-10-25T01:50:00+01:00', start: '2026-10-25T00:48:00.000Z' },
];

for (const c of ZONED_STARTS) {
  test(`a zone-less datetime poll start in the server's zone: ${c.zone ?? 'UTC'} ${c.case}`, () => {
    const options = { ...keys, ...(c.zone === undefined ? {} : { timeZone: c.zone }) };
    assert.equal(startQuery(datetimeAt(c.value), options).filter?.text, `LastChanged ge ${c.start}`);
  });
}

test('a rowversion or number poll starts the change-number window below the last value', () => {
  const num = (value: string) => advance(initialCursor({ column: 'ChangeSeq', kind: 'number' }), [{ Supplier: 'A', ChangeSeq: value }], keys);
  assert.equal(startQuery(num('105'), { ...keys, changeNumberWindow: 10 }).filter?.text, 'ChangeSeq ge 95');
  assert.equal(startQuery(num('5'), { ...keys, changeNumberWindow: 10 }).filter?.text, 'ChangeSeq ge 0');
  assert.equal(startQuery(num('105'), keys).filter?.text, 'ChangeSeq ge 105');
  assert.equal(startQuery(num('90071992547409930'), { ...keys, changeNumberWindow: 1000 }).filter?.text, 'ChangeSeq ge 90071992547408930');
  const rv = advance(initialCursor({ column: 'TimeStamp', kind: 'rowversion' }), [{ Supplier: 'A', TimeStamp: 'AAAAAAAAB9E=' }], keys);
  assert.equal(startQuery(rv, { ...keys, changeNumberWindow: 1000 }).filter?.text, "TimeStamp ge binary'AAAAAAAAA-k='");
  const rvInt = advance(initialCursor({ column: 'TimeStamp', kind: 'rowversion' }), [{ Supplier: 'A', TimeStamp: 2001 }], keys);
  assert.equal(startQuery(rvInt, { ...keys, rowversionLiteral: 'integer', changeNumberWindow: 1000 }).filter?.text, 'TimeStamp ge 1001');
  assert.equal(codeOf(() => startQuery(rvInt, { ...keys, changeNumberWindow: -1 })), 'MLC_CONFIG_INVALID');
  // Pages after the first continue from the position itself, not the window.
  assert.equal(continueQuery(num('105'), { ...keys, changeNumberWindow: 10 }).filter?.text, "(ChangeSeq gt 105) or ((ChangeSeq eq 105) and (Supplier gt 'A'))");
});

test('change numbers go down in their own form', () => {
  const number = { kind: 'number' as const };
  const rowversion = { kind: 'rowversion' as const };
  assert.equal(lowerChangeNumber(number, '7.25', 2n), '5');
  assert.equal(lowerChangeNumber(number, '-5.5', 1n), '-7');
  assert.equal(lowerChangeNumber(number, '3', 0n), '3');
  assert.equal(lowerChangeNumber(rowversion, 'AAAAAAAAB9E=', 1000n), 'AAAAAAAAA+k=');
  assert.equal(lowerChangeNumber(rowversion, 'AAAAAAAAAAE=', 1000n), 'AAAAAAAAAAA=');
  assert.equal(lowerChangeNumber(rowversion, '0x00000000000007D1', 1n), '0x00000000000007D0');
  assert.equal(lowerChangeNumber(rowversion, 'not-a-counter', 5n), 'not-a-counter');
});

test('rows dated past now + skew are future rows; the committed cursor is clamped to now', () => {
  const now = new Date('2026-11-29T07:00:00Z');
  const skew = { skewMs: 300_000 };
  const rows = [
    { Supplier: 'A', LastChanged: '2026-11-29T07:04:59' },
    { Supplier: 'B', LastChanged: '2099-01-01T00:00:00' },
  ];
  const position = advance(initialCursor({ column: 'LastChanged', kind: 'datetime' }), rows, keys);
  assert.deepEqual(futureRows(position, rows, { ...keys, ...skew }, now), [{ key: ['B'], value: '2099-01-01T00:00:00' }]);
  const { cursor, clamped } = clampFuture(position, now, skew);
  assert.equal(clamped, true);
  assert.deepEqual(cursorToJSON(cursor), { v: 1, column: 'LastChanged', kind: 'datetime', value: '2026-11-29T07:00:00.000' });
  // The next poll starts an overlap before now, so a change made after this poll is read.
  assert.equal(startQuery(cursor, keys).filter?.text, 'LastChanged ge 2026-11-29T06:58:00.000Z');
  // In the server's zone: now as its wall clock.
  assert.equal(clampFuture(position, now, { ...skew, timeZone: 'America/Chicago' }).cursor.value, '2026-11-29T01:00:00.000');
  // An offset value is clamped to now as an instant.
  assert.equal(clampFuture(datetimeAt('2099-01-01T00:00:00+02:00'), now, skew).cursor.value, '2026-11-29T07:00:00.000Z');
  // Within the skew (a server clock a little ahead): kept as it is.
  const ahead = datetimeAt('2026-11-29T07:04:59');
  assert.deepEqual(clampFuture(ahead, now, skew), { cursor: ahead, clamped: false });
  assert.deepEqual(futureRows(ahead, [rows[0]!], { ...keys, ...skew }, now), []);
  // A zone-less value past now + skew in UTC may be within it in a zone west of UTC.
  assert.equal(clampFuture(datetimeAt('2026-11-29T01:04:00'), now, { ...skew, timeZone: 'America/Chicago' }).clamped, false);
  const chicago = { ...keys, ...skew, timeZone: 'America/Chicago' };
  const west = [
    { Supplier: 'C', LastChanged: '2026-11-29T01:04:00' },
    { Supplier: 'D', LastChanged: '2026-11-29T01:06:00' },
  ];
  assert.deepEqual(futureRows(position, west, chicago, now), [{ key: ['D'], value: '2026-11-29T01:06:00' }]);
  // East of UTC (UTC+14): a wall clock 14 hours ahead of UTC is now there, not future.
  assert.deepEqual(futureRows(position, [{ Supplier: 'E', LastChanged: '2026-11-29T21:00:00' }], { ...keys, ...skew, timeZone: 'Pacific/Kiritimati' }, now), []);
  assert.equal(futureRows(position, [{ Supplier: 'E', LastChanged: '2026-11-29T21:06:00' }], { ...keys, ...skew, timeZone: 'Pacific/Kiritimati' }, now).length, 1);
  // Counters have no date.
  const num = advance(initialCursor({ column: 'TimeStamp', kind: 'number' }), [{ Supplier: 'A', TimeStamp: 9 }], keys);
  assert.deepEqual(clampFuture(num, now, skew), { cursor: num, clamped: false });
  assert.deepEqual(futureRows(num, [{ Supplier: 'A', TimeStamp: 9 }], { ...keys, ...skew }, now), []);
  assert.equal(codeOf(() => clampFuture(position, now, { skewMs: -1 })), 'MLC_CONFIG_INVALID');
});

test('positions re-read inside the change-number window are behind the committed one', () => {
  const num = (value: string | number) => advance(initialCursor({ column: 'TimeStamp', kind: 'number' }), [{ Supplier: 'A', TimeStamp: value }], keys);
  const rv = (value: string) => advance(initialCursor({ column: 'TimeStamp', kind: 'rowversion' }), [{ Supplier: 'A', TimeStamp: value }], keys);
  assert.equal(isBehind(num(95), num(105)), true);
  assert.equal(isBehind(num(105), num(105)), false);
  assert.equal(isBehind(num(106), num(105)), false);
  assert.equal(isBehind(num('7.5'), num(105)), false, 'decimals are not compared');
  assert.equal(isBehind(rv('AAAAAAAAA+k='), rv('AAAAAAAAB9E=')), true);
  assert.equal(isBehind(rv('0x00000000000007D0'), rv('0x00000000000007D1')), true);
  assert.equal(changeNumberOf(rv('AAAAAAAAB9E=')), 2001n);
  assert.equal(isBehind(datetimeAt('2024-01-01T00:00:00'), datetimeAt('2025-01-01T00:00:00')), false, 'datetimes keep committing as they page');
});
