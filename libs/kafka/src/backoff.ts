import { MlcError } from '@mlc/errors';

export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  initialMs: number;
  /** Ceiling of any delay. */
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential ceiling, "equal jitter"
 * (half fixed, half random). The fixed half keeps a floor under in-place retries, so a partition
 * never hammers a struggling target; the random half spreads consumers that failed together.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new MlcError('MLC_INTERNAL', `backoff attempt must be an integer >= 1, got ${attempt}`, { context: { attempt } });
  }
  // 2 ** 1100 is Infinity; Math.min caps it, so large attempts stay well-defined.
  const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
