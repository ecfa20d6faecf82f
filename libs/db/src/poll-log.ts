import type pg from 'pg';
import { toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';

export interface PollLogParams {
  db: Pick<pg.Pool, 'query'>;
  /** The poller's table: `(connection text, entity text, last_success_at timestamptz, primary key (connection, entity))`, from its migrations. */
  table: 'syspro_poller_polls' | 'infor_poller_polls';
  connection: string;
  logger: Pick<Logger, 'warn'>;
}

/**
 * Records the end of every successful poll of an entity, changes or none (`mlc status` shows its
 * age: a quiet poll commits no cursor, so the cursor alone cannot tell a quiet source from a stuck
 * poller). One upsert per poll, not awaited by the poll: a failure is logged at warn and the next
 * poll writes again. The time never moves back.
 */
export function createPollLog({ db, table, connection, logger }: PollLogParams): (entity: string, at: Date) => void {
  const sql = `insert into ${table} (connection, entity, last_success_at) values ($1, $2, $3)
    on conflict (connection, entity) do update set last_success_at = greatest(${table}.last_success_at, excluded.last_success_at)`;
  return (entity, at) => {
    void db.query(sql, [connection, entity, at]).catch((error: unknown) => {
      logger.warn({ err: toMlcError(error, { table, connection, entity }), connection, entity }, 'could not record the poll for mlc status');
    });
  };
}
