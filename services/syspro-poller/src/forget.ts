import type pg from 'pg';
import { deleteConnectionRows } from '@mlc/db';
import { requestResync } from './resync.js';

/** The poller's tables of content hashes and last polls keyed by connection (its migrations). */
export const POLLER_CONNECTION_TABLES = ['syspro_poller_hashes', 'syspro_poller_epoch_hashes', 'syspro_poller_polls'] as const;

/**
 * Forgets what the poller read and published of `connection`'s SYSPRO: its content hashes and last
 * polls are deleted, and a resync from the start is requested, so the poller moves its cursor (kept
 * in Kafka) back to the start under a new epoch at its next poll and publishes every row it reads.
 * For a SYSPRO that started over (the dev sandbox started fresh by `npm start`), whose rowversions
 * count from 1 again. The resync is requested only when the poller's tables exist (a poller that
 * never ran has no cursor). Resync requests and where they were applied are kept (a record).
 */
export async function forgetConnection(db: Pick<pg.Pool, 'connect' | 'query'>, connection: string, reason = 'the connection was forgotten'): Promise<{ deleted: Record<string, number>; resync?: string }> {
  const deleted = await deleteConnectionRows(db, connection, POLLER_CONNECTION_TABLES);
  const { rows } = await db.query<{ exists: boolean }>("select to_regclass('syspro_poller_resync_requests') is not null as exists");
  if (!rows[0]!.exists) return { deleted };
  const { id } = await requestResync(db, { connection, requestedBy: 'forgetConnection', reason });
  return { deleted, resync: id };
}
