import { columnOf, TIMESTAMP, type Row, type TableSpec, type Value } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { ODataError } from './errors.js';
import { compileFilter, equalityValues, timestampLowerBound } from './filter-compile.js';
import { parseFilter, type FilterNode } from './filter-parser.js';

/** SYSPRO OData returns at most this many rows per response (vendors.md §1.1). */
export const MAX_ROWS_PER_RESPONSE = 5000;

export interface ODataQuery {
  filter?: { node: FilterNode; matches: (row: Row) => boolean };
  select?: string[];
  orderBy: Array<{ column: string; descending: boolean }>;
  top?: number;
  skip: number;
  count: boolean;
  /** The original options, re-encoded into nextLink with new $top/$skip. */
  passThrough: Array<[string, string]>;
}

const SERVED = new Set(['$filter', '$select', '$orderby', '$top', '$skip', '$count', '$format']);
const NOT_SERVED = new Set(['$expand', '$search', '$apply', '$compute', '$skiptoken', '$levels', '$index', '$schemaversion', '$deltatoken', '$id']);

/**
 * Splits the raw query string. '+' stays '+': OData libraries percent-decode the URL without
 * form-decoding, so `2024-01-01T00:00:00+02:00` written unencoded keeps its offset.
 */
export function splitQuery(raw: string): Array<[string, string]> {
  if (raw === '') return [];
  return raw.split('&').filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=');
    const [k, v] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    try {
      return [decodeURIComponent(k), decodeURIComponent(v)];
    } catch {
      throw new ODataError('InvalidQueryOption', `query option '${k}' is not valid percent-encoding`);
    }
  });
}

const nonNegativeInt = (name: string, value: string): number => {
  if (!/^\d{1,9}$/.test(value)) throw new ODataError('InvalidQueryOption', `${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
};

const requireColumn = (spec: TableSpec, name: string, option: string): string => {
  if (!columnOf(spec, name)) throw new ODataError('UnknownProperty', `${option}: '${name}' is not a property of ${spec.name}`);
  return name;
};

/** Validates and parses the system query options for one entity set; anything unsupported is a 400. */
export function parseQuery(options: Array<[string, string]>, spec: TableSpec): ODataQuery {
  const seen = new Map<string, string>();
  const passThrough: Array<[string, string]> = [];
  for (const [key, value] of options) {
    if (!key.startsWith('$')) {
      passThrough.push([key, value]);
      continue;
    }
    if (NOT_SERVED.has(key)) throw new ODataError('UnsupportedSyntax', `query option ${key} is not supported`);
    if (!SERVED.has(key)) throw new ODataError('InvalidQueryOption', `unknown system query option ${key}`);
    if (seen.has(key)) throw new ODataError('InvalidQueryOption', `query option ${key} given more than once`);
    seen.set(key, value);
    if (key !== '$top' && key !== '$skip') passThrough.push([key, value]);
  }

  const query: ODataQuery = { orderBy: [], skip: 0, count: false, passThrough };
  const filter = seen.get('$filter');
  if (filter !== undefined) {
    if (filter.trim() === '') throw new ODataError('FilterSyntax', '$filter is empty');
    const node = parseFilter(filter);
    query.filter = { node, matches: compileFilter(node, spec) };
  }
  const select = seen.get('$select');
  if (select !== undefined) {
    const items = select.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) throw new ODataError('InvalidQueryOption', '$select has an empty item');
    if (!(items.length === 1 && items[0] === '*')) query.select = [...new Set(items.map((s) => requireColumn(spec, s, '$select')))];
  }
  const orderBy = seen.get('$orderby');
  if (orderBy !== undefined) {
    for (const item of orderBy.split(',')) {
      const m = /^\s*([A-Za-z_]\w*)(?:\s+(asc|desc))?\s*$/.exec(item);
      if (!m) throw new ODataError('InvalidQueryOption', `$orderby item '${item.trim()}' is not 'Property [asc|desc]'`);
      query.orderBy.push({ column: requireColumn(spec, m[1]!, '$orderby'), descending: m[2] === 'desc' });
    }
  }
  const top = seen.get('$top');
  if (top !== undefined) query.top = nonNegativeInt('$top', top);
  const skip = seen.get('$skip');
  if (skip !== undefined) query.skip = nonNegativeInt('$skip', skip);
  const count = seen.get('$count');
  if (count !== undefined) {
    if (count !== 'true' && count !== 'false') throw new ODataError('InvalidQueryOption', `$count must be true or false, got '${count}'`);
    query.count = count === 'true';
  }
  const format = seen.get('$format');
  if (format !== undefined && !/^(json|application\/json(;.*)?)$/.test(format)) {
    throw new ODataError('UnsupportedSyntax', `$format '${format}' is not supported; the service answers JSON`);
  }
  return query;
}

export interface QueryResult {
  rows: Row[];
  count?: number;
  /** $top/$skip of the next page when the server cut this one short. */
  next?: { skip: number; top?: number };
}

const compareValues = (a: Value, b: Value): number => {
  if (a === b) return 0;
  // SQL Server sorts NULL first in ascending order.
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    if (x !== y) return x < y ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
};

/**
 * Runs a query: filter, order (always ending in the key, so $skip paging is stable), page.
 * A page holds at most `pageSize` rows (never more than 5,000); when rows remain within the
 * client's $top, the result says where the next page starts.
 */
export function runQuery(table: Table, query: ODataQuery, pageSize: number): QueryResult {
  const spec = table.spec;
  const limit = Math.min(pageSize, MAX_ROWS_PER_RESPONSE, query.top ?? Infinity);
  const keyOrder = query.orderBy.every((o, i) => !o.descending && o.column === spec.key[i]);
  // TimeStamp is unique (a rowversion), so an order that starts with it ascending is TimeStamp order.
  const timestampOrder = query.orderBy[0]?.column === TIMESTAMP && !query.orderBy[0].descending;

  let rows: Row[];
  let total: number | undefined;
  let more: boolean;
  if (!query.filter && keyOrder) {
    total = table.size();
    rows = table.slice(query.skip, limit);
    more = query.skip + rows.length < total;
  } else {
    const minTimestamp = query.filter ? timestampLowerBound(query.filter.node) : undefined;
    const matches = query.filter?.matches ?? (() => true);
    if (keyOrder || timestampOrder) {
      rows = [];
      let n = 0;
      more = false;
      for (const row of keyOrder ? keyOrderRows(table, query.filter?.node, minTimestamp) : table.byTimestamp(minTimestamp)) {
        if (!matches(row)) continue;
        if (n >= query.skip && n < query.skip + limit) rows.push(row);
        else if (n >= query.skip + limit) {
          more = true;
          if (!query.count) break;
        }
        n += 1;
      }
      if (query.count) total = n;
    } else {
      const all: Row[] = [];
      for (const row of table.scan({ minTimestamp })) if (matches(row)) all.push(row);
      const order = [...query.orderBy, ...spec.key.map((column) => ({ column, descending: false }))];
      all.sort((a, b) => {
        for (const { column, descending } of order) {
          const c = compareValues(a[column] ?? null, b[column] ?? null);
          if (c !== 0) return descending ? -c : c;
        }
        return 0;
      });
      total = all.length;
      rows = all.slice(query.skip, query.skip + limit);
      more = query.skip + rows.length < all.length;
    }
  }

  const result: QueryResult = { rows: rows.map((row) => project(spec, row, query.select)) };
  if (query.count) result.count = total;
  const wanted = query.top ?? Infinity;
  if (more && rows.length === limit && wanted > limit) {
    result.next = { skip: query.skip + limit, ...(query.top === undefined ? {} : { top: query.top - limit }) };
  }
  return result;
}

/**
 * Rows in key order that can match: those of the first key column's values when the filter names
 * them (`PurchaseOrder eq '1' or PurchaseOrder eq '2'`, looked up like an index seek), else a scan.
 */
function keyOrderRows(table: Table, filter: FilterNode | undefined, minTimestamp: number | undefined): Iterable<Row> {
  const values = filter && equalityValues(filter, table.spec.key[0]!);
  if (values === undefined) return table.scan({ minTimestamp });
  return [...new Set(values)].sort().flatMap((value) => table.withPrefix([value]));
}

function project(spec: TableSpec, row: Row, select: string[] | undefined): Row {
  const out: Row = {};
  for (const name of select ?? spec.columns.map((c) => c.name)) out[name] = row[name] ?? null;
  return out;
}
