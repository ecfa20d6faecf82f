import { MlcError } from './index.js';

/**
 * How the delay is drawn under the exponential ceiling:
 * - `equal`: half fixed, half random. The fixed half keeps a floor under in-place retries, so a
 *   partition never hammers a struggling target; the random half spreads consumers that failed together.
 * - `full`: uniform in [0, ceiling). Spreads a herd of HTTP clients the most (AWS's "full jitter").
 * - `none`: the ceiling itself, for local processes that never retry in a herd.
 */
export type Jitter = 'equal' | 'full' | 'none';

export interface BackoffOptions {
  /** Ceiling of the first retry's delay; doubles per attempt. */
  initialMs: number;
  /** Ceiling of any delay. */
  maxMs: number;
  /** Default `equal`. */
  jitter?: Jitter;
}

/**
 * The one backoff of ml-connector: the delay before retry number `attempt` (1 = the retry after the
 * first failure), an exponential ceiling `min(maxMs, initialMs * 2^(attempt-1))` with `jitter`.
 * `random` is uniform in [0, 1); injectable so tests can pin the jitter.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs, jitter = 'equal' }: BackoffOptions, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new MlcError('MLC_INTERNAL', `backoff attempt must be an integer >= 1, got ${attempt}`, { context: { attempt } });
  }
  // 2 ** 1100 is Infinity; Math.min caps it, so large attempts stay well-defined.
  const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  switch (jitter) {
    case 'none':
      return ceiling;
    case 'full':
      return Math.floor(random() * ceiling);
    case 'equal':
      return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
  }
}
