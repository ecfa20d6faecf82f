import pg from 'pg';
import { MlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';

/** How long one statement may run, on the server, before PostgreSQL cancels it (SQLSTATE 57014). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** How long a statement may wait for a lock (a row, a table, an advisory lock) before it gives up (55P03). */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/**
 * The waits every session of ours has. The client-side read timeout is a little above the
 * statement timeout, so the server's cancel (a clean, classified error) comes first; it fires
 * only when the server itself does not answer (hung, or the network gone silently).
 */
export interface SessionTimeouts {
  /** Server-side `statement_timeout`; 0 turns it off (never in services). */
  statementTimeoutMs?: number;
  /** Server-side `lock_timeout`; 0 turns it off. */
  lockTimeoutMs?: number;
}

/** pg's client-side deadline for an answer to a query whose statement timeout is `statementTimeoutMs`. */
export function queryTimeoutFor(statementTimeoutMs: number): number {
  return statementTimeoutMs + Math.max(2_000, Math.ceil(statementTimeoutMs / 10));
}

/** The pg connection settings for these timeouts (startup parameters, so `RESET` returns to them). */
export function sessionTimeoutSettings({ statementTimeoutMs = DEFAULT_STATEMENT_TIMEOUT_MS, lockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS }: SessionTimeouts = {}): Pick<pg.ClientConfig, 'statement_timeout' | 'lock_timeout' | 'query_timeout'> {
  return {
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: queryTimeoutFor(statementTimeoutMs) } : {}),
    ...(lockTimeoutMs > 0 ? { lock_timeout: lockTimeoutMs } : {}),
  };
}

export interface PoolOptions extends SessionTimeouts {
  /** Connections per process; writers handle one partition batch at a time, so few are needed. */
  max?: number;
  /** Shown in `pg_stat_activity`, so a stuck query can be traced to its service. */
  applicationName?: string;
  /** Where errors of idle connections go (a restarted server, a killed backend). */
  logger?: Pick<Logger, 'warn'>;
  /**
   * Every statement on these connections runs on its generic plan (`plan_cache_mode =
   * force_generic_plan`): a named statement is planned once per connection instead of on each
   * call. By default Postgres keeps planning a named statement per call whenever that plan looks
   * cheaper than the generic one, which it does for batch statements over `unnest` of array
   * parameters (it knows the arrays' lengths): planning the gateway's claim then cost 0.5 ms of
   * Postgres CPU per call, more than running it. Only for pools whose statements are key lookups
   * and batch statements, whose best plan does not depend on the values: a query that filters on
   * optional parameters (`$1 is null or …`) needs its values to use an index.
   */
  genericPlans?: boolean;
}

const GENERIC_PLANS = '-c plan_cache_mode=force_generic_plan';

/**
 * `databaseUrl` with one more startup option (`-c name=value`) after those it already has (an
 * `options` parameter, as the audit's schema is given): pg takes options from the URL over its
 * config, so the URL is where it must go.
 */
export function withSessionOption(databaseUrl: string, option: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Not the URL itself: it may hold a password.
    throw new MlcError('MLC_CONFIG_INVALID', 'the database connection string is not a URL (postgres://user@host:port/database)', { context: { option } });
  }
  const given = url.searchParams.get('options');
  url.searchParams.set('options', given ? `${given} ${option}` : option);
  return url.toString();
}

/**
 * A pg Pool for `databaseUrl`. Every statement has a server-side statement timeout and lock
 * timeout (a slow or blocked query fails as MLC_DB_CONFLICT, retriable, instead of holding its
 * caller forever) and a client-side read timeout a little above it (MLC_DB_UNAVAILABLE when the
 * server does not answer at all). Idle-connection errors are logged instead of crashing the
 * process (pg emits them on the pool, and an unhandled 'error' event would throw); the pool
 * replaces the broken connection on next use.
 */
export function createPool(databaseUrl: string, { max = 10, applicationName = 'mlc', logger, genericPlans = false, ...timeouts }: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: genericPlans ? withSessionOption(databaseUrl, GENERIC_PLANS) : databaseUrl,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...sessionTimeoutSettings(timeouts),
  });
  pool.on('error', (error) => logger?.warn({ err: error }, 'idle database connection failed'));
  return pool;
}
