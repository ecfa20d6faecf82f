import pg from 'pg';
import type { Logger } from '@mlc/log';

export interface PoolOptions {
  /** Connections per process; writers handle one partition batch at a time, so few are needed. */
  max?: number;
  /** Shown in `pg_stat_activity`, so a stuck query can be traced to its service. */
  applicationName?: string;
  /** Where errors of idle connections go (a restarted server, a killed backend). */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * A pg Pool for `databaseUrl`. Idle-connection errors are logged instead of crashing the process
 * (pg emits them on the pool, and an unhandled 'error' event would throw); the pool replaces the
 * broken connection on next use.
 */
export function createPool(databaseUrl: string, { max = 10, applicationName = 'mlc', logger }: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => logger?.warn({ err: error }, 'idle database connection failed'));
  return pool;
}
