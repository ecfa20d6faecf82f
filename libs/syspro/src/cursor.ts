import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { f, lit, odataIdentifier, orderBy, type ODataFilter, type ODataLiteral } from './odata-filter.js';
import type { SysproRow } from './wire.js';

/**
 * The poll cursor of one connection + entity set: the read position (cursor column value, and the
 * key of the last row read at that value) in `$orderby <column>,<key...>` order. Modelled on
 * kafka-connect-jdbc's TimestampIncrementingOffset + TimestampIncrementingCriteria, with two
 * differences:
 *
 * - A poll *starts* from the position minus an overlap window (datetime: e.g. 2 minutes; rowversion
 *   and number: `ge`, re-reading the last row) so rows committed late with an older timestamp, clock
 *   skew and same-second updates are not lost. The poller drops rows it already published by
 *   contentHash, so re-reading is harmless.
 * - *Within* a poll, pages are read by keyset (`col gt v or (col eq v and key gt lastKey)`), not by
 *   `$skip`: a row updated while we page moves to the end of the order instead of shifting the rows
 *   behind it out of the window we have not read yet. Only `lastKey` is stored (instead of all keys
 *   at the value) so the stored state stays bounded however many rows share one timestamp.
 *
 * Mid-poll the position may sit inside the overlap window, below where the previous poll ended;
 * after a complete poll it is the newest row. A restart from a mid-poll position only re-reads.
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
      ? dateTimeLiteral(subtractMs(cursor.value, overlapOf(options)), options)
      : valueLiteral(cursor, cursor.value, options);
  return withWhere({ filter: f.ge(cursor.column, from), orderby }, options);
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
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  if (hasZone) return lit.dateTimeOffset(value);
  return (options.naiveDateTimeSuffix ?? 'Z') === 'Z' ? lit.dateTimeOffset(`${value}Z`) : lit.dateTimeLocal(value);
}

// Zone-less values are SYSPRO wall-clock times; arithmetic on them happens in a UTC frame, which
// is exact except across a DST fall-back, where the repeated hour is a SQL datetime ambiguity anyway.
function parseDateTime(value: string): number {
  return Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
}

function subtractMs(value: string, ms: number): string {
  const iso = new Date(parseDateTime(value) - ms).toISOString();
  return /(Z|[+-]\d{2}:\d{2})$/.test(value) ? iso : iso.slice(0, -1);
}
