import type pg from 'pg';
import { deleteConnectionRows } from '@mlc/db';

/** The writers' tables keyed by connection (libs/writer migrations). */
export const WRITER_CONNECTION_TABLES = ['mlc_target_records', 'mlc_sync_state', 'mlc_parked_records', 'mlc_writer_circuits', 'mlc_rate_limits'] as const;

/**
 * Forgets what every writer knows of `connection`'s target systems: the records it wrote (ids,
 * content hashes), the two-way sync state, parked records, circuits and rate-limit buckets. For a
 * connection whose systems started over empty (the dev sandbox started fresh by `npm start`):
 * without it the writers would take the new systems' records as already written ("unchanged").
 */
export function forgetConnection(db: Pick<pg.Pool, 'connect'>, connection: string): Promise<Record<string, number>> {
  return deleteConnectionRows(db, connection, WRITER_CONNECTION_TABLES);
}
