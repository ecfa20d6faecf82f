import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { f, lit, odataIdentifier, orderBy, type ODataFilter, type ODataLiteral } from './odata-filter.js';
import { earliestInstant, lowestWallClockBetween, toWallClock } from './local-time.js';
import type { SysproRow } from './wire.js';

/**
 * The poll cursor of one connection + entity set: the read position (cursor column value, and the
 * key of the last row read at that value) in `$orderby <column>,<key...>` order. Modelled on
 * kafka-connect-jdbc's TimestampIncrementingOffset + TimestampIncrementingCriteria, with two
 * differences:
 *
 * - A poll *starts* from the position minus an overlap window (datetime: e.g. 2 minutes; rowversion
 *   and number: `changeNumberWindow` values below the last one, `ge`) so rows committed late with an
 *   older timestamp or rowversion, clock skew and same-second updates are not lost. The poller drops
 *   rows it already published by contentHash, so re-reading is harmless.
 * - Zone-less datetimes are wall-clock time in `timeZone` (the SYSPRO server's zone): the overlap is
 *   taken on instants and the start is written back as wall-clock time, lowered to cover a
 *   fall-back's repeated hour (see local-time.ts), so a daylight-saving change loses nothing.
 * - A datetime position past now + an allowed skew (a row dated 2099 by a typo) is not committed as
 *   is, or every real change after it would be skipped: `clampFuture` commits now instead.
 * - *Within* a poll, pages are read by keyset (`col gt v or (col eq v and key gt lastKey)`), not by
 *   `$skip`: a row updated while we page moves to the end of the order instead of shifting the rows
 *   behind it out of the window we have not read yet. Only `lastKey` is stored (instead of all keys
 *   at the value) so the stored state stays bounded however many rows share one timestamp.
 *
 * Mid-poll the position may sit inside the overlap window, below where the previous poll ended
 * (a caller commits a datetime position as it pages; `isBehind` lets it keep a rowversion or number
 * cursor where it was); after a complete poll it is the newest row. A restart from a mid-poll
 * position only re-reads.
 */

export const CursorKind = z.enum(['datetime', 'rowversion', 'number']);
export type CursorKind = z.infer<typeof CursorKind>;

export const KeyValue = z.union([z.string(), z.number().refine(Number.isFinite)]);
export type KeyValue = z.infer<typeof KeyValue>;

/** Stored form (Postgres jsonb); versioned so the format can change without guessing. */
export const PollCursorJson = z.object({
  v: z.literal(1),
  column: z.string(),
  kind: CursorKind,
  value: z.string().nullable().describe('null: nothing read yet, the first poll is a full load'),
  lastKey: z.array(KeyValue).min(1).optional(),
});
export type PollCursorJson = z.infer<typeof PollCursorJson>;

export interface PollCursor {
  readonly column: string;
  readonly kind: CursorKind;
  /** Cursor column value of the last row read, as the row carried it (datetimes keep their precision). */
  readonly value: string | null;
  readonly lastKey?: readonly KeyValue[];
}

function freeze(cursor: PollCursor): PollCursor {
  const { column, kind, value, lastKey } = cursor;
  return Object.freeze(lastKey === undefined ? { column, kind, value } : { column, kind, value, lastKey: Object.freeze([...lastKey]) });
}

/** A cursor that has read nothing: its first poll reads the whole entity set. */
export function initialCursor(params: { column: string; kind: CursorKind }): PollCursor {
  return freeze({ column: odataIdentifier(params.column), kind: CursorKind.parse(params.kind), value: null });
}

export function cursorToJSON(cursor: PollCursor): PollCursorJson {
  const json: PollCursorJson = { v: 1, column: cursor.column, kind: cursor.kind, value: cursor.value };
  if (cursor.lastKey !== undefined) json.lastKey = [...cursor.lastKey];
  return json;
}

/** Reads a stored cursor; throws MLC_DECODE_FAILED when the stored state is not a valid cursor. */
export function cursorFromJSON(json: unknown): PollCursor {
  const parsed = PollCursorJson.safeParse(json);
  if (!parsed.success) {
    throw new MlcError('MLC_DECODE_FAILED', 'stored poll cursor is invalid', { cause: parsed.error });
  }
  const { column, kind, value, lastKey } = parsed.data;
  odataIdentifier(column);
  if (value !== null) normalizeValue(kind, value, { column });
  return freeze(lastKey === undefined ? { column, kind, value } : { column, kind, value, lastKey });
}

export interface CursorQueryOptions {
  /** Columns that, with the cursor column, identify a row; they make the order total and paging stable. */
  keyColumns: readonly string[];
  /** Datetime cursors only: how far back a poll starts. Default 2 minutes. */
  overlapMs?: number;
  /**
   * Datetime cursors only: IANA zone of zone-less values (the SYSPRO server's local time, as
   * `mappings.syspro.dates.timeZone`). Default `UTC`. Values that carry an offset are instants already.
   */
  timeZone?: string;
  /**
   * Rowversion and number cursors only: how many values below the last one a poll starts (a
   * transaction that committed after a later one carries a lower rowversion). Default 0: from the
   * last value itself. Binary rowversions are 8-byte big-endian numbers (SQL Server `rowversion`).
   */
  changeNumberWindow?: number;
  /**
   * How a zone-less datetime read from SYSPRO is written back into a literal: `'Z'` (default) makes it
   * a valid OData v4 DateTimeOffset as the service is assumed to expose SQL datetimes; `''` sends it
   * zone-less for a service that compares wall-clock values. Unconfirmed, hence configurable.
   */
  naiveDateTimeSuffix?: 'Z' | '';
  /**
   * How a rowversion cursor is written: `binary` (Edm.Binary, base64 in JSON — the OData default for
   * SQL rowversion), `integer` (exposed as Edm.Int64) or `string` (exposed as text). Unconfirmed.
   */
  rowversionLiteral?: 'binary' | 'integer' | 'string';
  /** A static filter that every poll of this entity set adds (e.g. one warehouse only). */
  where?: ODataFilter;
}

export interface CursorQuery {
  filter?: ODataFilter;
  orderby: string;
}

export const DEFAULT_OVERLAP_MS = 120_000;

/** The query a poll starts with: from the cursor position minus the overlap window. */
export function startQuery(cursor: PollCursor, options: CursorQueryOptions): CursorQuery {
  const orderby = orderFor(cursor, options);
  if (cursor.value === null) return withWhere({ orderby }, options);
  const from =
    cursor.kind === 'datetime'
      ? dateTimeLiteral(startDateTime(cursor.value, overlapOf(options), options.timeZone ?? 'UTC'), options)
      : valueLiteral(cursor, lowerChangeNumber(cursor, cursor.value, windowOf(options), options), options);
  return withWhere({ filter: f.ge(cursor.column, from), orderby }, options);
}

/**
 * Where a datetime poll starts, `overlapMs` before the position, in the position's own form: an
 * instant stays an instant; a zone-less wall clock (in `timeZone`) is read as its earliest instant
 * (the first pass of a repeated hour), moved back by the overlap, and written as the lowest wall
 * clock shown from then on, which is below the position's when the clocks went back in between.
 */
export function startDateTime(value: string, overlapMs: number, timeZone: string): string {
  if (hasZone(value)) return new Date(Date.parse(value) - overlapMs).toISOString();
  return lowestWallClockBetween(earliestInstant(value, timeZone) - overlapMs, Number.POSITIVE_INFINITY, timeZone);
}

/** The instant of a datetime cursor value: zone-less values are wall clock in `timeZone`, at their earliest reading. */
export function cursorInstant(value: string, timeZone = 'UTC'): number {
  return hasZone(value) ? Date.parse(value) : earliestInstant(value, timeZone);
}

const MAX_ZONE_LAG_MS = 15 * 3_600_000;

export interface FutureOptions {
  /** How far past now (this process's clock) a change date may be before it counts as future-dated. */
  skewMs: number;
  timeZone?: string;
}

/** A row dated past now + skew: its key (cursor key columns) and cursor value as read. */
export interface FutureRow {
  key: readonly KeyValue[];
  value: string;
}

/** The rows of a page whose datetime cursor value lies past `now` + skew (datetime cursors only; none otherwise). */
export function futureRows(cursor: PollCursor, rows: readonly SysproRow[], options: Pick<CursorQueryOptions, 'keyColumns'> & FutureOptions, now: Date): FutureRow[] {
  if (cursor.kind !== 'datetime') return [];
  const limit = now.getTime() + skewOf(options);
  const keys = keyColumnsOf(cursor, options);
  const found: FutureRow[] = [];
  for (const row of rows) {
    const raw = row[cursor.column];
    if (typeof raw !== 'string') continue;
    const value = raw.trim();
    // Zones lie within UTC-12..UTC+14: a wall clock more than 15 hours before the limit is not future (no Intl call).
    if (!hasZone(value) && parseDateTime(value) + MAX_ZONE_LAG_MS <= limit) continue;
    const at = cursorInstant(value, options.timeZone);
    if (at > limit) found.push({ key: keys.map((k) => row[k] as KeyValue), value });
  }
  return found;
}

/**
 * The cursor to commit: a datetime position past `now` + skew becomes `now` (in the position's
 * form: wall clock in `timeZone` for zone-less values), without a key. The next poll then starts an
 * overlap before now and so reads every change made after this poll, and the future-dated rows
 * again (unchanged, not republished) until someone corrects their date. Other cursors are returned as they are.
 */
export function clampFuture(cursor: PollCursor, now: Date, options: FutureOptions): { cursor: PollCursor; clamped: boolean } {
  if (cursor.kind !== 'datetime' || cursor.value === null) return { cursor, clamped: false };
  if (cursorInstant(cursor.value, options.timeZone) <= now.getTime() + skewOf(options)) return { cursor, clamped: false };
  const value = hasZone(cursor.value) ? now.toISOString() : toWallClock(now.getTime(), options.timeZone ?? 'UTC');
  return { cursor: freeze({ column: cursor.column, kind: cursor.kind, value }), clamped: true };
}

function skewOf(options: FutureOptions): number {
  if (!Number.isSafeInteger(options.skewMs) || options.skewMs < 0) {
    throw new MlcError('MLC_CONFIG_INVALID', 'skewMs must be a non-negative integer', { context: { skewMs: options.skewMs } });
  }
  return options.skewMs;
}

function windowOf(options: CursorQueryOptions): bigint {
  const window = options.changeNumberWindow ?? 0;
  if (!Number.isSafeInteger(window) || window < 0) {
    throw new MlcError('MLC_CONFIG_INVALID', 'changeNumberWindow must be a non-negative integer', { context: { changeNumberWindow: window } });
  }
  return BigInt(window);
}

/**
 * A rowversion or integer number cursor's value as a count, to compare positions; undefined for
 * datetimes, decimals and rowversions in a form we cannot count in.
 */
export function changeNumberOf(cursor: Pick<PollCursor, 'kind' | 'value'>): bigint | undefined {
  const { kind, value } = cursor;
  if (value === null || kind === 'datetime') return undefined;
  if (INTEGER.test(value)) return BigInt(value);
  if (kind === 'number') return undefined;
  if (HEX.test(value)) return BigInt(value);
  if (BASE64_8_BYTES.test(value)) return Buffer.from(value, 'base64').readBigUInt64BE();
  return undefined;
}

/**
 * Whether `next` lies at a lower change number than `committed` (a poll re-reading the window
 * below it): committing it would only move the cursor back. False when either cannot be counted.
 */
export function isBehind(next: PollCursor, committed: PollCursor): boolean {
  if (next.kind !== committed.kind || next.column !== committed.column) return false;
  const a = changeNumberOf(next);
  const b = changeNumberOf(committed);
  return a !== undefined && b !== undefined && a < b;
}

const INTEGER = /^-?\d+$/;
const HEX = /^0x[0-9a-f]+$/i;
const BASE64_8_BYTES = /^[A-Za-z0-9+/]{11}=$/;

/**
 * `window` below a number or rowversion value, in the value's own form (never below 0 for a
 * value that was not negative). A decimal number goes down to its floor first; a rowversion in a
 * form we cannot count in (not 8 bytes of base64, an integer or 0x-hex) stays as it is.
 */
export function lowerChangeNumber(cursor: Pick<PollCursor, 'kind'>, value: string, window: bigint, options: Pick<CursorQueryOptions, 'rowversionLiteral'> = {}): string {
  if (window === 0n) return value;
  const minus = (n: bigint): bigint => (n < 0n ? n - window : n - window < 0n ? 0n : n - window);
  if (cursor.kind === 'number') {
    if (INTEGER.test(value)) return String(minus(BigInt(value)));
    const [whole, fraction = ''] = value.split('.');
    const floor = BigInt(whole!) - (value.startsWith('-') && /[1-9]/.test(fraction) ? 1n : 0n);
    return String(minus(floor));
  }
  if (INTEGER.test(value)) return String(minus(BigInt(value)));
  if (HEX.test(value)) {
    const digits = value.length - 2;
    return `${value.slice(0, 2)}${minus(BigInt(value)).toString(16).toUpperCase().padStart(digits, '0')}`;
  }
  if ((options.rowversionLiteral ?? 'binary') === 'binary' && BASE64_8_BYTES.test(value)) {
    const lowered = minus(Buffer.from(value, 'base64').readBigUInt64BE());
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(lowered);
    return bytes.toString('base64');
  }
  return value;
}

/** The query for the page after the cursor position: strictly after the last row read, in (column, key) order. */
export function continueQuery(cursor: PollCursor, options: CursorQueryOptions): CursorQuery {
  const orderby = orderFor(cursor, options);
  if (cursor.value === null) return withWhere({ orderby }, options);
  const value = valueLiteral(cursor, cursor.value, options);
  const after = f.gt(cursor.column, value);
  if (cursor.lastKey === undefined) return withWhere({ filter: after, orderby }, options);
  const keys = keyColumnsOf(cursor, options);
  if (keys.length !== cursor.lastKey.length) {
    throw new MlcError('MLC_CONFIG_INVALID', 'key columns do not match the stored cursor', {
      context: { column: cursor.column, keyColumns: keys, storedKeyLength: cursor.lastKey.length },
    });
  }
  const atValue = f.and(f.eq(cursor.column, value), tupleGreaterThan(keys, cursor.lastKey));
  return withWhere({ filter: f.or(after, atValue), orderby }, options);
}

/**
 * Moves the cursor to the last of `rows`, which must be in the order of the query's `$orderby` (as
 * the OData client yields them). Throws MLC_DECODE_FAILED when that row lacks a usable cursor or key
 * value: a row we cannot position after would be read again forever.
 */
export function advance(cursor: PollCursor, rows: readonly SysproRow[], options: Pick<CursorQueryOptions, 'keyColumns'>): PollCursor {
  const last = rows.at(-1);
  if (last === undefined) return cursor;
  const keys = keyColumnsOf(cursor, options);
  const lastKey = keys.map((column) => keyValueOf(last, column, cursor.column));
  const value = normalizeValue(cursor.kind, last[cursor.column], { column: cursor.column, key: lastKey });
  return freeze({ column: cursor.column, kind: cursor.kind, value, lastKey });
}

function orderFor(cursor: PollCursor, options: Pick<CursorQueryOptions, 'keyColumns'>): string {
  return orderBy([cursor.column, ...keyColumnsOf(cursor, options)]);
}

function keyColumnsOf(cursor: PollCursor, options: Pick<CursorQueryOptions, 'keyColumns'>): string[] {
  if (options.keyColumns.length === 0) {
    throw new MlcError('MLC_CONFIG_INVALID', 'a cursor needs at least one key column', { context: { column: cursor.column } });
  }
  return options.keyColumns.map((c) => odataIdentifier(c));
}

function withWhere(query: CursorQuery, options: CursorQueryOptions): CursorQuery {
  if (options.where === undefined) return query;
  return { ...query, filter: query.filter === undefined ? options.where : f.and(options.where, query.filter) };
}

function overlapOf(options: CursorQueryOptions): number {
  const overlap = options.overlapMs ?? DEFAULT_OVERLAP_MS;
  if (!Number.isSafeInteger(overlap) || overlap < 0) {
    throw new MlcError('MLC_CONFIG_INVALID', 'overlapMs must be a non-negative integer', { context: { overlapMs: overlap } });
  }
  return overlap;
}

// (k1 gt l1) or (k1 eq l1 and k2 gt l2) or ... : lexicographic order over the key tuple.
function tupleGreaterThan(columns: readonly string[], values: readonly KeyValue[]): ODataFilter {
  const alternatives = columns.map((column, i) => {
    const equalPrefix = columns.slice(0, i).map((c, j) => f.eq(c, values[j]!));
    return equalPrefix.length === 0 ? f.gt(column, values[i]!) : f.and(...equalPrefix, f.gt(column, values[i]!));
  });
  return f.or(...alternatives);
}

function keyValueOf(row: SysproRow, column: string, cursorColumn: string): KeyValue {
  const value = row[column];
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new MlcError('MLC_DECODE_FAILED', 'row has no usable key value for the cursor', {
    context: { cursorColumn, keyColumn: column, valueType: value === null ? 'null' : typeof value },
  });
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?)(Z|[+-]\d{2}:\d{2})?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

function normalizeValue(kind: CursorKind, raw: unknown, context: Record<string, unknown>): string {
  const fail = (): never => {
    throw new MlcError('MLC_DECODE_FAILED', `cursor column value is not a valid ${kind}`, {
      context: { ...context, kind, valueType: raw === null ? 'null' : typeof raw },
    });
  };
  switch (kind) {
    case 'datetime': {
      if (typeof raw !== 'string') return fail();
      const value = raw.trim();
      if (!DATE_TIME.test(value) || Number.isNaN(parseDateTime(value))) return fail();
      return value;
    }
    case 'number': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
      if (typeof raw === 'string' && DECIMAL.test(raw.trim())) return raw.trim();
      return fail();
    }
    case 'rowversion': {
      if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return String(raw);
      if (typeof raw === 'string' && raw.length > 0) return raw;
      return fail();
    }
    default: {
      const never: never = kind;
      throw new MlcError('MLC_INTERNAL', 'unknown cursor kind', { context: { kind: never } });
    }
  }
}

function valueLiteral(cursor: PollCursor, value: string, options: CursorQueryOptions): ODataLiteral {
  switch (cursor.kind) {
    case 'datetime':
      return dateTimeLiteral(value, options);
    case 'number':
      return lit.decimal(value);
    case 'rowversion': {
      const mode = options.rowversionLiteral ?? 'binary';
      if (mode === 'binary') return lit.binary(value);
      if (mode === 'integer') return lit.decimal(value);
      return lit.string(value);
    }
    default: {
      const never: never = cursor.kind;
      throw new MlcError('MLC_INTERNAL', 'unknown cursor kind', { context: { kind: never } });
    }
  }
}

function dateTimeLiteral(value: string, options: CursorQueryOptions): ODataLiteral {
  if (hasZone(value)) return lit.dateTimeOffset(value);
  return (options.naiveDateTimeSuffix ?? 'Z') === 'Z' ? lit.dateTimeOffset(`${value}Z`) : lit.dateTimeLocal(value);
}

const hasZone = (value: string): boolean => /(Z|[+-]\d{2}:\d{2})$/.test(value);

// Validity only: zone-less values are read as UTC digits here (their zone matters for arithmetic, not for syntax).
function parseDateTime(value: string): number {
  return Date.parse(hasZone(value) ? value : `${value}Z`);
}
