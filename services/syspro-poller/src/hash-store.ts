import type { EntityType } from '@mlc/events';
import type { Queryable } from '@mlc/db';
import { toMlcError } from '@mlc/errors';
import type { HashStore } from './ports.js';


/** Migrations of this service's tables (`migrate(pool, { component: 'syspro-poller', dir })`). */
export const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);

/**
 * Last published content hash per record and epoch in Postgres (`syspro_poller_epoch_hashes`).
 * Kept out of the Kafka transaction on purpose: one indexed lookup per page keeps memory flat for
 * any table size, and a write lost after the commit only means one identical event is published
 * again. The epoch comes from the cursor topic, so hashes made for another cursor state (another
 * topic prefix, before a resync) never suppress a record.
 */
export function createPgHashStore({ db, connection }: { db: Queryable; connection: string }): HashStore {
  return {
    async lastHashes(entity, epoch, keys) {
      if (keys.length === 0) return new Map();
      try {
        const { rows } = await db.query<{ key: string; content_hash: string }>(
          'select key, content_hash from syspro_poller_epoch_hashes where connection = $1 and entity = $2 and epoch = $3 and key = any($4::text[])',
          [connection, entity, epoch, keys],
        );
        return new Map(rows.map((r) => [r.key, r.content_hash]));
      } catch (error) {
        throw toMlcError(error, { call: 'lastHashes', connection, entity, epoch });
      }
    },
    async remember(entity, epoch, entries) {
      if (entries.length === 0) return;
      try {
        await db.query(
          `insert into syspro_poller_epoch_hashes (connection, entity, epoch, key, content_hash)
           select $1, $2, $3, k, h from unnest($4::text[], $5::text[]) as t(k, h)
           on conflict (connection, entity, epoch, key) do update set content_hash = excluded.content_hash, published_at = now()`,
          [connection, entity, epoch, entries.map((e) => e.key), entries.map((e) => e.contentHash)],
        );
      } catch (error) {
        throw toMlcError(error, { call: 'remember', connection, entity, epoch });
      }
    },
    async forget(entity: EntityType, epoch: string) {
      try {
        await db.query('delete from syspro_poller_epoch_hashes where connection = $1 and entity = $2 and epoch = $3', [connection, entity, epoch]);
      } catch (error) {
        throw toMlcError(error, { call: 'forget', connection, entity, epoch });
      }
    },
  };
}
