import { performance } from 'node:perf_hooks';
import type { Logger } from '@mlc/log';
import { defaultSleep } from './sleep.js';
import type { RateLimiter, Sleep } from './types.js';

/** A vendor limit: requests per second, and how many may go at once after an idle period. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

/**
 * Builds the limiter of one client from the limit the client computed (Coupa's rate and burst,
 * ION's requests per minute less headroom). `createTokenBucket` is the local one; writers pass a
 * factory whose limiters share one bucket per connection and target across replicas.
 */
export type CreateRateLimiter = (limit: RateLimit) => RateLimiter;

/** What a shared bucket answered to one lease. */
export interface Lease {
  /** Whole tokens handed to this replica (0 when the bucket is dry), at most what was asked. */
  granted: number;
  /** Tokens left in the shared bucket afterwards (below 1 when it ran dry), for the wait. */
  remaining: number;
}

/** The shared bucket (PostgreSQL in the writers): takes up to `want` tokens atomically. */
export interface LeaseSource {
  lease(want: number): Promise<Lease>;
  /** Empties the shared bucket after a 429 (best effort). */
  drain?(): Promise<void>;
}

export interface LeasedRateLimiterParams extends RateLimit {
  /** Names the bucket in log lines, e.g. `acme/coupa`. */
  name: string;
  source: LeaseSource;
  /** Used while the source fails or times out: a local bucket at a conservative share of the limit. */
  fallback: RateLimiter;
  /** Largest lease, in seconds of the rate (default 0.2 s: 5 tokens at 25/s); at least 1 token, at most the burst. */
  leaseSeconds?: number;
  /** A lease that takes longer fails over to `fallback` (default 1 s). */
  leaseTimeoutMs?: number;
  /** How long the fallback is used before the source is tried again (default 5 s). */
  fallbackForMs?: number;
  logger?: Pick<Logger, 'warn' | 'info'>;
  now?: () => number;
  sleep?: Sleep;
}

export const DEFAULT_LEASE_SECONDS = 0.2;
export const DEFAULT_LEASE_TIMEOUT_MS = 1_000;
export const DEFAULT_FALLBACK_FOR_MS = 5_000;
/** Shortest wait before asking a dry bucket again, so rounding never makes a busy loop. */
export const MIN_REFILL_WAIT_MS = 2;

/** Most tokens one lease asks for: `rate × leaseSeconds`, at least 1, at most the burst. */
export function maxLeaseSize({ ratePerSecond, burst }: RateLimit, leaseSeconds = DEFAULT_LEASE_SECONDS): number {
  return Math.max(1, Math.min(Math.floor(burst), Math.floor(ratePerSecond * leaseSeconds)));
}

/**
 * Tokens to ask for when `waiting` callers are queued: only what they need (tokens leased ahead of
 * demand could be spent later, on top of other replicas' share), at most `maxLease`.
 */
export function leaseWant(waiting: number, maxLease: number): number {
  return Math.max(1, Math.min(waiting, maxLease));
}

/** Milliseconds until a bucket holding `remaining` (< 1) tokens has one again at `ratePerSecond`. */
export function refillWaitMs(remaining: number, ratePerSecond: number): number {
  return Math.max(MIN_REFILL_WAIT_MS, ((1 - Math.min(1, Math.max(0, remaining))) / ratePerSecond) * 1000);
}

/** Arrival jitter a shared bucket absorbs: its capacity keeps this much of the rate in reserve. */
export const JITTER_RESERVE_SECONDS = 0.1;

/**
 * Capacity of a shared bucket for a vendor limit: the burst less `rate × 0.1 s` (at least one
 * token; the capacity stays at least 1). Calls reach the vendor with varying delay (the network, a
 * busy event loop), so calls sent a token's interval apart can arrive closer together; at full use
 * that finds the vendor's bucket short (a 429). The reserve absorbs 100 ms of such jitter and costs
 * that many calls once per run at full use (3 at Coupa's 25/s).
 */
export function sharedCapacity({ ratePerSecond, burst }: RateLimit): number {
  if (burst <= 1) return burst;
  const reserve = Math.max(1, Math.ceil(ratePerSecond * JITTER_RESERVE_SECONDS));
  return Math.max(1, burst - reserve);
}

/** The local share of a limit while the shared bucket is out of reach: rate and burst divided by the replicas. */
export function fallbackShare({ ratePerSecond, burst }: RateLimit, replicas: number): RateLimit {
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be an integer >= 1, got ${replicas}`);
  return { ratePerSecond: ratePerSecond / replicas, burst: Math.max(1, Math.floor(burst / replicas)) };
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

class LeaseTimeout extends Error {
  override name = 'LeaseTimeout';
}

/**
 * A rate limiter whose tokens come from a shared bucket in small leases, so that any number of
 * replicas together stay within one limit. Callers queue in call order; one lease at a time asks
 * for as many tokens as callers wait (up to `maxLeaseSize`); when the bucket is dry the limiter
 * waits the time the bucket needs for one token (from the bucket's own answer) and asks again.
 * Tokens of a lease whose caller gave up are kept for `leaseSeconds` only, then dropped: a token
 * spent long after it was leased could add to other replicas' share.
 *
 * When a lease fails or takes longer than `leaseTimeoutMs`, callers go to `fallback` for
 * `fallbackForMs` (logged once when it starts and once when the shared bucket answers again).
 */
export function createLeasedRateLimiter(params: LeasedRateLimiterParams): Required<Pick<RateLimiter, 'take' | 'onRateLimited' | 'onSuccess'>> & { usingFallback(): boolean } {
  const {
    name,
    ratePerSecond,
    burst,
    source,
    fallback,
    leaseSeconds = DEFAULT_LEASE_SECONDS,
    leaseTimeoutMs = DEFAULT_LEASE_TIMEOUT_MS,
    fallbackForMs = DEFAULT_FALLBACK_FOR_MS,
    logger,
    now = () => performance.now(),
    sleep = defaultSleep,
  } = params;
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
  if (!(leaseTimeoutMs > 0) || !(fallbackForMs > 0) || !(leaseSeconds > 0)) throw new RangeError('leaseSeconds, leaseTimeoutMs and fallbackForMs must be positive');
  const maxLease = maxLeaseSize({ ratePerSecond, burst }, leaseSeconds);
  const waiters: Waiter[] = [];
  let surplus = 0;
  let surplusUntil = 0;
  let fallbackUntil = Number.NEGATIVE_INFINITY;
  let inFallback = false;
  /** A lease that timed out and has not settled yet: no second one is sent beside it. */
  let stuck: Promise<unknown> | undefined;
  let pumping = false;

  function release(waiter: Waiter): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  /** Hands `tokens` to waiters in call order; returns what is left over. */
  function grant(tokens: number): number {
    let left = tokens;
    while (left > 0 && waiters.length > 0) {
      const waiter = waiters.shift()!;
      release(waiter);
      waiter.resolve();
      left -= 1;
    }
    return left;
  }

  function toFallback(): void {
    for (const waiter of waiters.splice(0)) {
      release(waiter);
      fallback.take(waiter.signal).then(waiter.resolve, waiter.reject);
    }
  }

  function enterFallback(error: unknown): void {
    fallbackUntil = now() + fallbackForMs;
    if (!inFallback) {
      inFallback = true;
      const reason = error instanceof LeaseTimeout ? `no answer within ${leaseTimeoutMs} ms` : error instanceof Error ? error.message : String(error);
      logger?.warn({ limiter: name, reason, retryInMs: fallbackForMs }, 'shared rate limit unavailable: limiting this replica locally at its conservative share');
    }
  }

  async function leaseWithTimeout(want: number): Promise<Lease> {
    const pending = source.lease(want);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LeaseTimeout()), leaseTimeoutMs);
    });
    try {
      return await Promise.race([pending, deadline]);
    } catch (error) {
      if (error instanceof LeaseTimeout) {
        stuck = pending;
        const clear = () => {
          if (stuck === pending) stuck = undefined;
        };
        pending.then(clear, clear);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (waiters.length > 0) {
        const t = now();
        if (surplus > 0 && t < surplusUntil) {
          surplus = grant(surplus);
          continue;
        }
        surplus = 0;
        if (t < fallbackUntil || stuck !== undefined) {
          if (t >= fallbackUntil) fallbackUntil = t + fallbackForMs;
          toFallback();
          break;
        }
        let lease: Lease;
        try {
          lease = await leaseWithTimeout(leaseWant(waiters.length, maxLease));
        } catch (error) {
          enterFallback(error);
          continue;
        }
        if (inFallback) {
          inFallback = false;
          logger?.info({ limiter: name }, 'shared rate limit reachable again');
        }
        const left = grant(Math.max(0, Math.floor(lease.granted)));
        if (left > 0) {
          surplus = left;
          surplusUntil = now() + leaseSeconds * 1000;
        }
        if (lease.granted < 1) await sleep(refillWaitMs(lease.remaining, ratePerSecond));
      }
    } finally {
      pumping = false;
    }
  }

  return {
    take(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (now() < fallbackUntil) return fallback.take(signal);
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, signal };
        if (signal) {
          waiter.onAbort = () => {
            const index = waiters.indexOf(waiter);
            if (index !== -1) waiters.splice(index, 1);
            reject(signal.reason);
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        waiters.push(waiter);
        void pump();
      });
    },
    onRateLimited() {
      // The vendor counts differently from us (another client, clock skew): drop what we hold and
      // empty the shared bucket, so the replicas do not run straight into more 429s.
      surplus = 0;
      fallback.onRateLimited?.();
      if (!inFallback && source.drain) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, leaseTimeoutMs);
          timer.unref();
        });
        void Promise.race([source.drain(), deadline])
          .catch(() => undefined)
          .finally(() => clearTimeout(timer));
      }
    },
    onSuccess() {
      fallback.onSuccess?.();
    },
    usingFallback: () => inFallback,
  };
}
