import { TIMESTAMP, type Row, type TableSpec, type Value } from './schema.js';

/** Rows that exist from the start, generated on demand from their index (never all held in memory). */
export interface BaseRows {
  count: number;
  /** The row at `index`, in key order; its TimeStamp is at most `maxTimestamp`. */
  generate(index: number): Row;
  /** Index of the base row with this key, if the key has the generated shape and is in range. */
  indexOf(key: readonly Value[]): number | undefined;
  maxTimestamp: number;
  /** Index of the first base row whose TimeStamp is at least `timestamp` (`count` when none): base TimeStamps rise with the index. */
  indexAtTimestamp(timestamp: number): number;
}

export interface Table {
  spec: TableSpec;
  size(): number;
  keyOf(row: Row): Value[];
  get(key: readonly Value[]): Row | undefined;
  /** Rows in key order. With `minTimestamp` above every base row's, only changed rows are visited. */
  scan(options?: { minTimestamp?: number }): Iterable<Row>;
  /**
   * Rows in TimeStamp order from `minTimestamp` on, generated lazily: a page costs its own rows,
   * not a scan of the table (SQL Server's rowversion index). TimeStamps are unique.
   */
  byTimestamp(minTimestamp?: number): Iterable<Row>;
  /** Rows `offset..offset+limit` in key order without visiting the ones before (no added rows in between). */
  slice(offset: number, limit: number): Row[];
  /** Rows whose key starts with `prefix` (e.g. the lines of one order), in key order. */
  withPrefix(prefix: readonly Value[]): Row[];
  /** Stores a new version of an existing row (same key). */
  replace(row: Row): void;
  insert(row: Row): void;
  /** Deletes a row, as a SYSPRO user deleting a record: no TimeStamp is left behind, the row is just gone. */
  remove(key: readonly Value[]): void;
}

export function compareKeys(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * A table of lazily generated base rows plus an overlay of changed and added rows. Keeps a
 * 100k-supplier / 1M-line sandbox in a few megabytes: only rows that were ever written are stored.
 */
export function createTable(spec: TableSpec, base: BaseRows): Table {
  const changed = new Map<number, Row>();
  const deleted = new Set<number>();
  const added: Row[] = [];
  // Every written row (changed base rows and added rows) in TimeStamp order. Writes are stamped
  // after the seed, so these all come after every unchanged base row in TimeStamp order.
  const written: Row[] = [];
  const keyOf = (row: Row): Value[] => spec.key.map((k) => row[k] ?? null);
  const stampOf = (row: Row): number => row[TIMESTAMP] as number;

  /** First position in `written` whose TimeStamp is at least `timestamp`. */
  const writtenFrom = (timestamp: number): number => {
    let lo = 0;
    let hi = written.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (stampOf(written[mid]!) < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const rewrite = (previous: Row | undefined, next: Row): void => {
    if (previous !== undefined) {
      const at = written.indexOf(previous, writtenFrom(stampOf(previous)));
      if (at !== -1) written.splice(at, 1);
    }
    written.splice(writtenFrom(stampOf(next)), 0, next);
  };

  const addedIndex = (key: readonly Value[]): { found: boolean; at: number } => {
    let lo = 0;
    let hi = added.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(keyOf(added[mid]!), key);
      if (c === 0) return { found: true, at: mid };
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return { found: false, at: lo };
  };

  function* merge(baseRows: Iterable<Row>, extra: readonly Row[]): Iterable<Row> {
    if (extra.length === 0) {
      yield* baseRows;
      return;
    }
    let j = 0;
    for (const row of baseRows) {
      const key = keyOf(row);
      while (j < extra.length && compareKeys(keyOf(extra[j]!), key) < 0) yield extra[j++]!;
      yield row;
    }
    while (j < extra.length) yield extra[j++]!;
  }

  function* allBase(): Iterable<Row> {
    for (let i = 0; i < base.count; i += 1) if (!deleted.has(i)) yield changed.get(i) ?? base.generate(i);
  }

  function* changedBase(): Iterable<Row> {
    for (const i of [...changed.keys()].sort((a, b) => a - b)) yield changed.get(i)!;
  }

  return {
    spec,
    keyOf,
    size: () => base.count - deleted.size + added.length,
    get(key) {
      const i = base.indexOf(key);
      if (i !== undefined) return deleted.has(i) ? undefined : (changed.get(i) ?? base.generate(i));
      const { found, at } = addedIndex(key);
      return found ? added[at] : undefined;
    },
    scan({ minTimestamp } = {}) {
      if (minTimestamp !== undefined && minTimestamp > base.maxTimestamp) {
        return [...merge(changedBase(), added)].filter((row) => (row[TIMESTAMP] as number) >= minTimestamp);
      }
      return merge(allBase(), added);
    },
    *byTimestamp(minTimestamp = -Infinity) {
      for (let i = base.indexAtTimestamp(minTimestamp); i < base.count; i += 1) if (!changed.has(i)) yield base.generate(i);
      for (let j = writtenFrom(minTimestamp); j < written.length; j += 1) yield written[j]!;
    },
    slice(offset, limit) {
      if (added.length > 0 || deleted.size > 0) return [...iterateRange(merge(allBase(), added), offset, limit)];
      const rows: Row[] = [];
      for (let i = offset; i < Math.min(base.count, offset + limit); i += 1) rows.push(changed.get(i) ?? base.generate(i));
      return rows;
    },
    withPrefix(prefix) {
      const matches = (row: Row): boolean => compareKeys(keyOf(row).slice(0, prefix.length), prefix) === 0;
      const rows: Row[] = [];
      // Generated child keys are numbered from 1, so the first child locates the run of base rows.
      const first = base.indexOf([...prefix, 1]);
      if (first !== undefined) {
        for (let i = first; i < base.count; i += 1) {
          if (deleted.has(i)) continue;
          const row = changed.get(i) ?? base.generate(i);
          if (!matches(row)) break;
          rows.push(row);
        }
      }
      return [...merge(rows, added.filter(matches))];
    },
    replace(row) {
      const key = keyOf(row);
      const i = base.indexOf(key);
      if (i !== undefined) {
        rewrite(changed.get(i), row);
        changed.set(i, row);
        return;
      }
      const { found, at } = addedIndex(key);
      if (!found) throw new Error(`no ${spec.name} row with key ${JSON.stringify(key)}`);
      rewrite(added[at], row);
      added[at] = row;
    },
    insert(row) {
      const key = keyOf(row);
      const i = base.indexOf(key);
      if (i !== undefined && deleted.has(i)) {
        deleted.delete(i);
        changed.set(i, row);
        return;
      }
      if (i !== undefined) throw new Error(`${spec.name} row ${JSON.stringify(key)} exists`);
      const { found, at } = addedIndex(key);
      if (found) throw new Error(`${spec.name} row ${JSON.stringify(key)} exists`);
      added.splice(at, 0, row);
      rewrite(undefined, row);
    },
    remove(key) {
      const i = base.indexOf(key);
      if (i !== undefined && !deleted.has(i)) {
        deleted.add(i);
        changed.delete(i);
        return;
      }
      const { found, at } = addedIndex(key);
      if (!found) throw new Error(`no ${spec.name} row with key ${JSON.stringify(key)}`);
      added.splice(at, 1);
    },
  };
}

function* iterateRange<T>(items: Iterable<T>, offset: number, limit: number): Iterable<T> {
  let i = 0;
  for (const item of items) {
    if (i >= offset + limit) return;
    if (i >= offset) yield item;
    i += 1;
  }
}
