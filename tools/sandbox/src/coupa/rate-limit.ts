/**
 * Token bucket per key: `perSecond` refill, `burst` capacity. Coupa documents 25 requests/s with a
 * burst of 20; what it answers beyond that is not documented, the simulator answers 429 + Retry-After.
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface Limiter {
  /** undefined when the request may pass; otherwise the seconds until one token is back (≥ 1). */
  take(key: string): number | undefined;
}

export function createLimiter({ perSecond, burst }: RateLimit, now: () => number): Limiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    },
  };
}
