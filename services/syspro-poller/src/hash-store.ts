import type { EntityType } from '@mlc/events';
import { toMlcError } from '@mlc/errors';
import type { HashStore } from './ports.js';

/** The part of a pg Pool the store uses. */
export interface Queryable {
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Migrations of this service's tables (`migrate(pool, { component: 'syspro-poller', dir })`). */
export const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);

/**
 * Last published content hash per record in Postgres (`syspro_poller_hashes`). Kept out of the
 * Kafka transaction on purpose: one indexed lookup per page keeps memory flat for any table size,
 * and a write lost after the commit only means one identical event is published again.
 */
export function createPgHashStore({ db, connection }: { db: Queryable; connection: string }): HashStore {
  return {
    async lastHashes(entity: EntityType, keys: readonly string[]) {
      if (keys.length === 0) return new Map();
      try {
        const { rows } = await db.query<{ key: string; content_hash: string }>(
          'select key, content_hash from syspro_poller_hashes where connection = $1 and entity = $2 and key = any($3::text[])',
          [connection, entity, keys],
        );
        return new Map(rows.map((r) => [r.key, r.content_hash]));
      } catch (error) {
        throw toMlcError(error, { call: 'lastHashes', connection, entity });
      }
    },
    async remember(entity: EntityType, entries: readonly { key: string; contentHash: string }[]) {
      if (entries.length === 0) return;
      try {
        await db.query(
          `insert into syspro_poller_hashes (connection, entity, key, content_hash)
           select $1, $2, k, h from unnest($3::text[], $4::text[]) as t(k, h)
           on conflict (connection, entity, key) do update set content_hash = excluded.content_hash, published_at = now()`,
          [connection, entity, entries.map((e) => e.key), entries.map((e) => e.contentHash)],
        );
      } catch (error) {
        throw toMlcError(error, { call: 'remember', connection, entity });
      }
    },
  };
}
