export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Sliding-window log per key: at most `limit` admitted requests in any `windowMs`. Refused
 * requests do not count, so a client that honours Retry-After gets in when the window moves.
 */
export function createSlidingWindowLimiter({ limit, windowMs, now }: { limit: number; windowMs: number; now: () => number }) {
  const admitted = new Map<string, number[]>();
  return {
    take(key: string): Admission {
      const at = now();
      const log = (admitted.get(key) ?? []).filter((t) => t > at - windowMs);
      admitted.set(key, log);
      if (log.length >= limit) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((log[0]! + windowMs - at) / 1000)) };
      }
      log.push(at);
      return { allowed: true };
    },
  };
}
