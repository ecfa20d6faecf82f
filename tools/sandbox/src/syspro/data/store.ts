import { seedTables, type Sizes } from './seed.js';
import { createTable, type Table } from './table.js';
import { CHANGE_DATE, TABLES, TIMESTAMP, columnOf, type Row, type TableName, type TableSpec, type Value } from './schema.js';

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$/;

/** A zone-less SQL datetime in one canonical form (`YYYY-MM-DDTHH:mm:ss.fff`), so $filter and $orderby compare them as strings. */
const localDateTime = (v: string): string => new Date(`${v}Z`).toISOString().slice(0, -1);

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `epochMs` in `timeZone`, zone-less with milliseconds. */
export function wallClock(epochMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(
    new Date(epochMs),
  );
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const ms = String(((epochMs % 1000) + 1000) % 1000).padStart(3, '0');
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}.${ms}`;
}

// Date-times are kept in one canonical form (toISOString) so $filter and $orderby compare them as strings.
function normalize(spec: TableSpec, row: Row): Row {
  const out: Row = { ...row };
  for (const c of spec.columns) {
    const v = out[c.name];
    if (c.type === 'Edm.DateTimeOffset' && typeof v === 'string') out[c.name] = new Date(v).toISOString();
    if (c.type === 'Edm.DateTime' && typeof v === 'string') out[c.name] = localDateTime(v);
  }
  return out;
}

export type StoreProblem = 'not-found' | 'exists' | 'invalid';

/** A write the store refused; `code` is stable, `problems` name the offending columns. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreProblem,
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * What a write is stamped with: the next TimeStamp (SQL Server assigns a rowversion when the row
 * is written, not when its transaction commits) and, on tables with a change date, the server's
 * wall clock at that moment.
 */
export interface WriteStamp {
  timestamp: number;
  changed: string;
}

/** One SYSPRO company's tables. Every write stamps the row with the company's next TimeStamp. */
export interface SysproStore {
  company: string;
  table(name: TableName): Table;
  get(name: TableName, key: readonly Value[]): Row | undefined;
  /** `stamp`: one taken earlier by `nextStamp` (a write whose transaction commits only now). */
  update(name: TableName, key: readonly Value[], patch: Row, stamp?: WriteStamp): Row;
  insert(name: TableName, row: Row, stamp?: WriteStamp): Row;
  /** Deletes a row as SYSPRO does: OData stops returning it; no TimeStamp or other trace is left. */
  remove(name: TableName, key: readonly Value[]): Row;
  /** Why `row` cannot be written (update when `key` is given, else insert); undefined when it can. */
  check(name: TableName, key: readonly Value[] | undefined, row: Row): StoreError | undefined;
  /** Takes the next TimeStamp and the server's wall clock now, for a write made visible later. */
  nextStamp(): WriteStamp;
  lastTimestamp(): number;
}

export interface ServerClock {
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** IANA zone of the server's wall clock, read at each write; default UTC. */
  timeZone?: () => string;
}

export function createSysproStore({ company, seed, sizes, clock = {} }: { company: string; seed: number; sizes: Sizes; clock?: ServerClock }): SysproStore {
  const { bases, lastTimestamp } = seedTables(seed, sizes);
  const tables = Object.fromEntries(TABLES.map((spec) => [spec.name, createTable(spec, bases[spec.name as TableName])])) as Record<TableName, Table>;
  let timestamp = lastTimestamp;
  const { now = Date.now, timeZone = () => 'UTC' } = clock;
  const nextStamp = (): WriteStamp => {
    timestamp += 1;
    return { timestamp, changed: wallClock(now(), timeZone()) };
  };
  // The change date is the server's unless the write sets one (an import, a typo in a form).
  const stamped = (spec: TableSpec, row: Row, patch: Row, stamp: WriteStamp): Row => {
    const out: Row = { ...row, [TIMESTAMP]: stamp.timestamp };
    if (columnOf(spec, CHANGE_DATE) && (patch[CHANGE_DATE] === undefined || patch[CHANGE_DATE] === null)) out[CHANGE_DATE] = stamp.changed;
    return out;
  };

  function check(name: TableName, key: readonly Value[] | undefined, row: Row): StoreError | undefined {
    const table = tables[name];
    if (key !== undefined) {
      if (!table.get(key)) return new StoreError('not-found', `${name} ${key.join('/')} does not exist`);
      const problems = checkRow(table.spec, row, { partial: true });
      return problems.length > 0 ? new StoreError('invalid', `${name} ${key.join('/')}: ${problems.join('; ')}`, problems) : undefined;
    }
    const problems = checkRow(table.spec, row, { partial: false });
    if (problems.length > 0) return new StoreError('invalid', `${name}: ${problems.join('; ')}`, problems);
    const rowKey = table.keyOf(row);
    return table.get(rowKey) ? new StoreError('exists', `${name} ${rowKey.join('/')} already exists`) : undefined;
  }

  return {
    company,
    table: (name) => tables[name],
    get: (name, key) => tables[name].get(key),
    lastTimestamp: () => timestamp,
    nextStamp,
    check,
    update(name, key, patch, stamp) {
      const table = tables[name];
      const problem = check(name, key, patch);
      if (problem) throw problem;
      const next = normalize(table.spec, stamped(table.spec, { ...table.get(key)!, ...patch }, patch, stamp ?? nextStamp()));
      table.replace(next);
      return next;
    },
    remove(name, key) {
      const table = tables[name];
      const row = table.get(key);
      if (!row) throw new StoreError('not-found', `${name} ${key.join('/')} does not exist`);
      table.remove(key);
      return row;
    },
    insert(name, row, stamp) {
      const table = tables[name];
      const problem = check(name, undefined, row);
      if (problem) throw problem;
      const next = normalize(table.spec, stamped(table.spec, row, row, stamp ?? nextStamp()));
      table.insert(next);
      return next;
    },
  };
}

/**
 * Problems with a row or patch against the table's columns: unknown or read-only columns, wrong
 * types, over-long strings, and (patches) key changes. Missing columns of a full row get defaults
 * from `withDefaults`, so only keys are required here.
 */
export function checkRow(spec: TableSpec, row: Row, { partial }: { partial: boolean }): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(row)) {
    const column = columnOf(spec, name);
    if (!column) problems.push(`${name}: unknown column`);
    else if (name === TIMESTAMP) problems.push(`${name}: read-only`);
    else if (partial && spec.key.includes(name)) problems.push(`${name}: key columns cannot change`);
    else if (value === null) {
      if (!column.nullable) problems.push(`${name}: not nullable`);
    } else if (column.type === 'Edm.String') {
      if (typeof value !== 'string') problems.push(`${name}: expected a string`);
      else if (column.maxLength !== undefined && value.length > column.maxLength) problems.push(`${name}: longer than ${column.maxLength}`);
    } else if (column.type === 'Edm.DateTime') {
      if (typeof value !== 'string' || !DATE_TIME_LOCAL.test(value) || Number.isNaN(Date.parse(`${value}Z`)))
        problems.push(`${name}: expected an ISO 8601 date-time without an offset (SQL datetime)`);
    } else if (column.type === 'Edm.DateTimeOffset') {
      if (typeof value !== 'string' || !DATE_TIME_OFFSET.test(value) || Number.isNaN(Date.parse(value)))
        problems.push(`${name}: expected an ISO 8601 date-time with an offset`);
    } else if (typeof value !== 'number' || !Number.isFinite(value) || (column.type !== 'Edm.Decimal' && !Number.isInteger(value))) {
      problems.push(`${name}: expected ${column.type === 'Edm.Decimal' ? 'a number' : 'an integer'}`);
    }
  }
  if (!partial) for (const k of spec.key) if (row[k] === undefined || row[k] === null || row[k] === '') problems.push(`${k}: key is required`);
  return problems;
}

/** A full row for `spec` from the given values: strings '', numbers 0, nullable columns null. */
export function withDefaults(spec: TableSpec, values: Row): Row {
  const row: Row = {};
  for (const c of spec.columns) {
    if (c.name === TIMESTAMP) continue;
    row[c.name] =
      values[c.name] !== undefined
        ? values[c.name]!
        : c.nullable
          ? null
          : c.type === 'Edm.String'
            ? ''
            : c.type === 'Edm.DateTimeOffset'
              ? new Date(0).toISOString()
              : 0;
  }
  return { ...values, ...row };
}
