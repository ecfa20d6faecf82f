import { seedTables, type Sizes } from './seed.js';
import { createTable, type Table } from './table.js';
import { TABLES, TIMESTAMP, columnOf, type Row, type TableName, type TableSpec, type Value } from './schema.js';

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

// Date-times are kept in one canonical form (toISOString) so $filter and $orderby compare them as strings.
function normalize(spec: TableSpec, row: Row): Row {
  const out: Row = { ...row };
  for (const c of spec.columns) {
    const v = out[c.name];
    if (c.type === 'Edm.DateTimeOffset' && typeof v === 'string') out[c.name] = new Date(v).toISOString();
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

/** One SYSPRO company's tables. Every write stamps the row with the company's next TimeStamp. */
export interface SysproStore {
  company: string;
  table(name: TableName): Table;
  get(name: TableName, key: readonly Value[]): Row | undefined;
  update(name: TableName, key: readonly Value[], patch: Row): Row;
  insert(name: TableName, row: Row): Row;
  lastTimestamp(): number;
}

export function createSysproStore({ company, seed, sizes }: { company: string; seed: number; sizes: Sizes }): SysproStore {
  const { bases, lastTimestamp } = seedTables(seed, sizes);
  const tables = Object.fromEntries(TABLES.map((spec) => [spec.name, createTable(spec, bases[spec.name as TableName])])) as Record<TableName, Table>;
  let timestamp = lastTimestamp;

  return {
    company,
    table: (name) => tables[name],
    get: (name, key) => tables[name].get(key),
    lastTimestamp: () => timestamp,
    update(name, key, patch) {
      const table = tables[name];
      const current = table.get(key);
      if (!current) throw new StoreError('not-found', `${name} ${key.join('/')} does not exist`);
      const problems = checkRow(table.spec, patch, { partial: true });
      if (problems.length > 0) throw new StoreError('invalid', `${name} ${key.join('/')}: ${problems.join('; ')}`, problems);
      timestamp += 1;
      const next = normalize(table.spec, { ...current, ...patch, [TIMESTAMP]: timestamp });
      table.replace(next);
      return next;
    },
    insert(name, row) {
      const table = tables[name];
      const problems = checkRow(table.spec, row, { partial: false });
      if (problems.length > 0) throw new StoreError('invalid', `${name}: ${problems.join('; ')}`, problems);
      const key = table.keyOf(row);
      if (table.get(key)) throw new StoreError('exists', `${name} ${key.join('/')} already exists`);
      timestamp += 1;
      const next = normalize(table.spec, { ...row, [TIMESTAMP]: timestamp });
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
