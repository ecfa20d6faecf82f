import { backoffDelay } from '@mlc/errors';

export interface RestartPolicyOptions {
  /** Restarts in a row before giving up; a stable run resets the count. */
  maxRestarts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A run this long counts as healthy, so its crash starts the backoff afresh (like supervisord's startsecs). */
  stableAfterMs?: number;
}

export type RestartDecision = { restart: true; attempt: number; delayMs: number } | { restart: false; attempts: number };

export interface RestartPolicy {
  /** Called once per unexpected exit with how long that run lasted. */
  onExit(ranMs: number): RestartDecision;
}

/**
 * Exponential restart backoff for crashed services: 1 s, 2 s, 4 s, … capped, at most
 * `maxRestarts` in a row. No jitter: the processes are local and never restart in a herd.
 */
export function createRestartPolicy({ maxRestarts = 5, initialDelayMs = 1000, maxDelayMs = 30_000, stableAfterMs = 60_000 }: RestartPolicyOptions = {}): RestartPolicy {
  if (maxRestarts < 0 || initialDelayMs <= 0 || maxDelayMs < initialDelayMs) throw new RangeError('invalid restart policy');
  let attempts = 0;
  return {
    onExit(ranMs) {
      if (ranMs >= stableAfterMs) attempts = 0;
      if (attempts >= maxRestarts) return { restart: false, attempts };
      attempts += 1;
      return { restart: true, attempt: attempts, delayMs: backoffDelay(attempts, { initialMs: initialDelayMs, maxMs: maxDelayMs, jitter: 'none' }) };
    },
  };
}
