import type pg from 'pg';
import { deleteConnectionRows } from '@mlc/db';

/** The poller's tables keyed by connection (its migrations). */
export const POLLER_CONNECTION_TABLES = ['infor_poller_hashes', 'infor_poller_polls'] as const;

/**
 * Forgets what the poller published of `connection`'s M3 (content hashes, last polls), so every
 * supplier it reads next is published again. For an M3 that started over (the dev sandbox started
 * fresh by `npm start`), whose seeded suppliers hash as before. The cursor (Kafka) is kept: the
 * sandbox stamps its seeded suppliers with its start time, later than any earlier cursor.
 */
export function forgetConnection(db: Pick<pg.Pool, 'connect'>, connection: string): Promise<Record<string, number>> {
  return deleteConnectionRows(db, connection, POLLER_CONNECTION_TABLES);
}
