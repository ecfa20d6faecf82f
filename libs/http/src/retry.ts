import { backoffDelay, isMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import type { Call, Exchange, Layer } from './call.js';
import { defaultSleep } from './sleep.js';
import type { Sleep } from './types.js';

export interface RetryPolicy {
  /** Attempts in total, the first one included; 1 disables retries. */
  maxAttempts: number;
  /** Cap of the first backoff; doubles per attempt (full jitter: the delay is uniform in [0, cap]). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A vendor's Retry-After is honoured up to this; longer waits belong to the consumer's retry-in-place. */
  maxRetryAfterMs: number;
  /** 5xx statuses worth repeating (for idempotent calls); 501 and friends will not heal by waiting. */
  serverErrorStatuses: readonly number[];
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  serverErrorStatuses: Object.freeze([500, 502, 503, 504]),
});

export interface RetryOptions extends Partial<RetryPolicy> {
  sleep?: Sleep;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
  /** Wall clock for HTTP-date Retry-After values. */
  now?: () => number;
}

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  // All three HTTP-date forms start with a day name; Date.parse alone would accept "-1".
  if (!/^[A-Za-z]/.test(raw)) return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

type Outcome = { exchange: Exchange } | { error: unknown };

// 429 means the request was not processed, so any method may repeat it. Anything else that may
// have reached the application is repeated only for idempotent calls: a POST that timed out may
// have been applied, and writers re-check by natural key instead.
function shouldRetry(outcome: Outcome, call: Call, policy: RetryPolicy): boolean {
  if ('exchange' in outcome) {
    const { status } = outcome.exchange;
    if (status === 429) return true;
    return call.idempotent && (status === 408 || policy.serverErrorStatuses.includes(status));
  }
  const { error } = outcome;
  if (!isMlcError(error) || (error.code !== 'MLC_HTTP_TIMEOUT' && error.code !== 'MLC_HTTP_CONNECTION')) return false;
  return call.idempotent || error.context.requestSent === false;
}

/** The retry layer: repeats transient failures with full-jitter backoff, honouring Retry-After. */
export function withRetry({ sleep = defaultSleep, random = Math.random, now = Date.now, ...overrides }: RetryOptions, logger?: Logger): Layer {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be an integer >= 1');
  return (next) => async (call) => {
    for (;;) {
      call.state.attempt += 1;
      let outcome: Outcome;
      try {
        outcome = { exchange: await next(call) };
      } catch (error) {
        outcome = { error };
      }
      if (call.state.attempt >= policy.maxAttempts || call.signal?.aborted === true || !shouldRetry(outcome, call, policy)) {
        if ('error' in outcome) throw outcome.error;
        return outcome.exchange;
      }
      const retryAfter = 'exchange' in outcome ? parseRetryAfter(outcome.exchange.headers['retry-after'], now()) : undefined;
      const delayMs =
        retryAfter === undefined
          ? backoffDelay(call.state.attempt, { initialMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: 'full' }, random)
          : Math.min(retryAfter, policy.maxRetryAfterMs);
      logger?.warn(
        {
          method: call.method,
          path: call.path,
          attempt: call.state.attempt,
          ...('exchange' in outcome ? { status: outcome.exchange.status } : { code: (outcome.error as { code?: unknown }).code }),
          delayMs,
        },
        'retrying HTTP call',
      );
      await sleep(delayMs, call.signal);
    }
  };
}
