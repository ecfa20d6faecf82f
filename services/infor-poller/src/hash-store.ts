import type { Queryable } from '@mlc/db';
import { toMlcError } from '@mlc/errors';
import type { HashStore } from './ports.js';


/** Migrations of this service's table (`migrate(pool, { component: 'infor-poller', dir })`). */
export const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);

/**
 * Last published content hash per supplier in Postgres (`infor_poller_hashes`), outside the Kafka
 * transaction as syspro-poller does: one indexed lookup per page, whatever the supplier count; a
 * write lost after the commit only means one identical event is published again.
 */
export function createPgHashStore({ db, connection }: { db: Queryable; connection: string }): HashStore {
  return {
    async lastHashes(keys) {
      if (keys.length === 0) return new Map();
      try {
        const { rows } = await db.query<{ key: string; content_hash: string }>('select key, content_hash from infor_poller_hashes where connection = $1 and key = any($2::text[])', [connection, keys]);
        return new Map(rows.map((r) => [r.key, r.content_hash]));
      } catch (error) {
        throw toMlcError(error, { call: 'lastHashes', connection });
      }
    },
    async remember(entries) {
      if (entries.length === 0) return;
      try {
        await db.query(
          `insert into infor_poller_hashes (connection, key, content_hash)
           select $1, k, h from unnest($2::text[], $3::text[]) as t(k, h)
           on conflict (connection, key) do update set content_hash = excluded.content_hash, published_at = now()`,
          [connection, entries.map((e) => e.key), entries.map((e) => e.contentHash)],
        );
      } catch (error) {
        throw toMlcError(error, { call: 'remember', connection });
      }
    },
  };
}
