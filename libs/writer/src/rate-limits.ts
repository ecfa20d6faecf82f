import { createLeasedRateLimiter, createTokenBucket, fallbackShare, sharedCapacity, type CreateRateLimiter, type LeaseSource, type LeasedRateLimiterParams, type RateLimit, type RateLimiter } from '@mlc/http';
import type { Logger } from '@mlc/log';
import { Gauge, type Registry } from 'prom-client';
import type { Queryable } from './target-records.js';

/** How a writer limits its calls to a target: one bucket shared by every replica (PostgreSQL), or each replica on its own. */
export type RateLimitMode = 'shared' | 'local';

export interface RateLimitKey {
  connection: string;
  /** The target system, e.g. `coupa` or `infor`. */
  target: string;
}

// The bucket refilled from the database clock, up to the caller's capacity, and up to `want`
// whole tokens taken, in one statement. Every expression reads the row being updated, so a
// concurrent lease (the row locked by another replica) is recomputed from the row it left.
// `refilled_at` never goes back: a lease that waited for the row lock keeps the later time.
const AVAILABLE = 'least($5::float8, b.tokens + $4::float8 * greatest(0, extract(epoch from (c.t - b.refilled_at))::float8))';
const GRANTED = `least($3::int, floor(${AVAILABLE}))::int`;
const LEASE_SQL = `
  update mlc_rate_limits b
     set last_granted = ${GRANTED},
         tokens = ${AVAILABLE} - ${GRANTED},
         refilled_at = greatest(b.refilled_at, c.t)
    from (select clock_timestamp() as t) c
   where b.connection = $1 and b.target_system = $2
  returning b.last_granted as granted, b.tokens as remaining`;
// A new bucket starts full: replicas starting together share the burst, never add to it.
const CREATE_SQL = `
  insert into mlc_rate_limits (connection, target_system, tokens, refilled_at)
  values ($1, $2, $3, clock_timestamp())
  on conflict (connection, target_system) do nothing`;
const DRAIN_SQL = `
  update mlc_rate_limits set tokens = 0, refilled_at = greatest(refilled_at, clock_timestamp())
   where connection = $1 and target_system = $2`;

/** The shared bucket of one connection and target in `mlc_rate_limits` (migration 005), at `limit`. */
export function rateLimitLeaseSource(db: Queryable, { connection, target }: RateLimitKey, { ratePerSecond, burst }: RateLimit): LeaseSource {
  const lease = async (want: number) => {
    const { rows } = await db.query<{ granted: number; remaining: number }>(LEASE_SQL, [connection, target, want, ratePerSecond, burst]);
    return rows[0];
  };
  return {
    async lease(want) {
      const first = await lease(want);
      if (first) return first;
      await db.query(CREATE_SQL, [connection, target, burst]);
      const second = await lease(want);
      if (!second) throw new Error(`rate limit row ${connection}/${target} vanished`);
      return second;
    },
    async drain() {
      await db.query(DRAIN_SQL, [connection, target]);
    },
  };
}

export interface RateLimiterFactoryParams extends RateLimitKey {
  mode: RateLimitMode;
  db: Queryable;
  /** While PostgreSQL cannot be reached, each replica limits itself to the limit divided by this. */
  fallbackReplicas: number;
  logger?: Logger;
  /** Where `mlc_rate_limit_fallback` goes, labelled with `writer`. */
  metrics?: { registry: Registry; writer: string };
  /** Tests: a shorter lease timeout or fallback period. */
  tuning?: Pick<LeasedRateLimiterParams, 'leaseTimeoutMs' | 'fallbackForMs' | 'leaseSeconds'>;
}

// How long a call waited for its token is measured for every vendor client in @mlc/http
// (`mlc_http_limiter_wait_seconds`); this adds whether the replica limits itself locally.
function fallbackGauge(registry: Registry): Gauge {
  const known = registry.getSingleMetric('mlc_rate_limit_fallback');
  return known instanceof Gauge
    ? known
    : new Gauge({
        name: 'mlc_rate_limit_fallback',
        help: '1 while this replica limits a connection locally because the shared bucket (PostgreSQL) does not answer',
        labelNames: ['writer', 'connection', 'target'],
        registers: [registry],
      });
}

/**
 * The limiter factory a writer hands to its vendor client for one connection: in `shared` mode
 * every limiter built leases its tokens from the connection's bucket in PostgreSQL, so N replicas
 * together stay within the vendor's limit; in `local` mode each replica has its own token bucket
 * at the full limit (one replica only, or tests).
 */
export function createRateLimiterFactory({ mode, db, connection, target, fallbackReplicas, logger, metrics, tuning }: RateLimiterFactoryParams): CreateRateLimiter {
  const observed = (limiter: RateLimiter, usingFallback: () => boolean): RateLimiter => {
    if (metrics === undefined) return limiter;
    const fallback = fallbackGauge(metrics.registry);
    const labels = { writer: metrics.writer, connection, target };
    return {
      async take(signal) {
        await limiter.take(signal);
        fallback.set(labels, usingFallback() ? 1 : 0);
      },
      onRateLimited: () => limiter.onRateLimited?.(),
      onSuccess: () => limiter.onSuccess?.(),
    };
  };
  if (mode === 'local') return (limit) => observed(createTokenBucket(limit), () => false);
  return (limit) => {
    const share = fallbackShare(limit, fallbackReplicas);
    const shared = { ratePerSecond: limit.ratePerSecond, burst: sharedCapacity(limit) };
    const limiter = createLeasedRateLimiter({
      ...shared,
      ...tuning,
      name: `${connection}/${target}`,
      source: rateLimitLeaseSource(db, { connection, target }, shared),
      fallback: createTokenBucket(share),
      logger: logger?.child({ component: 'rate-limit', fallbackRatePerSecond: share.ratePerSecond }),
    });
    return observed(limiter, limiter.usingFallback);
  };
}
