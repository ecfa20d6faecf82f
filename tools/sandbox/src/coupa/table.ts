/**
 * An in-memory table of wire-shaped records with integer ids and unique indexes, so duplicate
 * natural keys are refused the way Coupa refuses them (a validation error naming the field).
 */
export interface UniqueIndex<T> {
  /** Wire name of the field reported in the validation error. */
  field: string;
  /** The unique key of a record, scoped as needed (e.g. `${lookupId}|${name}`); undefined = not indexed. */
  key: (record: T) => string | undefined;
}

export interface Table<T extends { id: number }> {
  readonly size: number;
  nextId(): number;
  get(id: number): T | undefined;
  all(): IterableIterator<T>;
  /** Field names whose unique key `candidate` would share with another record. */
  conflicts(candidate: T): string[];
  /** Inserts or replaces; the caller checked `conflicts` first. */
  put(record: T): T;
  findBy(field: string, key: string): T | undefined;
}

export function createTable<T extends { id: number }>(indexes: ReadonlyArray<UniqueIndex<T>> = []): Table<T> {
  const rows = new Map<number, T>();
  const maps = new Map(indexes.map((ix) => [ix.field, new Map<string, number>()]));
  let lastId = 0;
  return {
    get size() {
      return rows.size;
    },
    nextId: () => ++lastId,
    get: (id) => rows.get(id),
    all: () => rows.values(),
    conflicts(candidate) {
      return indexes
        .filter((ix) => {
          const key = ix.key(candidate);
          if (key === undefined) return false;
          const owner = maps.get(ix.field)!.get(key);
          return owner !== undefined && owner !== candidate.id;
        })
        .map((ix) => ix.field);
    },
    put(record) {
      const previous = rows.get(record.id);
      for (const ix of indexes) {
        const map = maps.get(ix.field)!;
        const oldKey = previous ? ix.key(previous) : undefined;
        if (oldKey !== undefined && map.get(oldKey) === record.id) map.delete(oldKey);
        const key = ix.key(record);
        if (key !== undefined) map.set(key, record.id);
      }
      rows.set(record.id, record);
      if (record.id > lastId) lastId = record.id;
      return record;
    },
    findBy(field, key) {
      const id = maps.get(field)?.get(key);
      return id === undefined ? undefined : rows.get(id);
    },
  };
}
