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
  /**
   * With `genericPlans`: a connection's plans are made again (`DISCARD PLANS`, queued ahead of the
   * caller's statements at a checkout) once they are this old. Default DEFAULT_REPLAN_AFTER_MS; 0
   * never (tests).
   */
  replanAfterMs?: number;
}

/**
 * How old a connection's generic plans may get before they are made again. A generic plan is made
 * from the tables' sizes when the connection first runs the statement, and PostgreSQL makes it
 * again only when a table's statistics change (an `ANALYZE`, which autovacuum runs now and then as
 * a table grows, and never when autovacuum is off). A plan made while a table was empty (a full
 * scan and a hash join: the cheapest way to read nothing) would otherwise go on reading the whole
 * table on every call as it grows: a 20,000-supplier backfill started on empty tables took 7,040
 * µs of PostgreSQL CPU per record instead of about 250 (tools/bench/README.md, "Eighth look").
 * Planning a statement again every 5 s costs nothing a backfill can see.
 */
export const DEFAULT_REPLAN_AFTER_MS = 5_000;

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
export function createPool(
  databaseUrl: string,
  { max = 10, applicationName = 'mlc', logger, genericPlans = false, replanAfterMs = DEFAULT_REPLAN_AFTER_MS, ...timeouts }: PoolOptions = {},
): pg.Pool {
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
  if (genericPlans && replanAfterMs > 0) replanPeriodically(pool, replanAfterMs, logger);
  return pool;
}

/**
 * At a checkout, a connection whose plans are `replanAfterMs` old first discards them (its
 * prepared statements stay; each is planned again, from the tables' sizes now, when next run).
 * pg-pool emits 'acquire' before it hands the connection over, and a pg connection runs its
 * queries in order, so the `DISCARD PLANS` runs before anything the caller sends: never inside its
 * transaction.
 */
function replanPeriodically(pool: pg.Pool, replanAfterMs: number, logger: Pick<Logger, 'warn'> | undefined): void {
  const plannedSince = new WeakMap<pg.PoolClient, number>();
  pool.on('acquire', (client) => {
    const now = Date.now();
    const since = plannedSince.get(client);
    if (since !== undefined && now - since < replanAfterMs) return;
    plannedSince.set(client, now);
    // A new connection has no plans yet.
    if (since === undefined) return;
    client.query('discard plans').catch((error: unknown) => logger?.warn({ err: error }, 'could not discard the cached plans of a database connection'));
  });
}
