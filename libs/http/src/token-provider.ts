import { MlcError, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import type { BearerAuth } from './types.js';

export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface TokenProviderParams {
  /** Names the provider in errors and logs (e.g. the connection and vendor). */
  name: string;
  fetchToken: () => Promise<FetchedToken>;
  /** Refresh this long before expiry (ION: 300). Capped at half the token's lifetime. */
  refreshBeforeSeconds: number;
  /** Wall-clock milliseconds. */
  now?: () => number;
  logger?: Logger;
}

export type TokenProvider = BearerAuth;

interface Cached {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * Caches a bearer token, refreshes it early, and lets concurrent callers share one refresh.
 * `invalidate(token)` drops the token a target refused (401); it is a no-op when the cache already
 * holds a newer one, so a burst of 401s on the old token causes one refresh, not many.
 */
export function createTokenProvider({ name, fetchToken, refreshBeforeSeconds, now = Date.now, logger }: TokenProviderParams): TokenProvider {
  if (!Number.isFinite(refreshBeforeSeconds) || refreshBeforeSeconds < 0) throw new RangeError('refreshBeforeSeconds must be >= 0');
  let cached: Cached | undefined;
  let inFlight: Promise<Cached> | undefined;

  async function refresh(): Promise<Cached> {
    let fetched: FetchedToken;
    try {
      fetched = await fetchToken();
    } catch (error) {
      throw toMlcError(error, { tokenProvider: name });
    }
    const { accessToken, expiresInSeconds } = fetched;
    if (typeof accessToken !== 'string' || accessToken.length === 0 || !(expiresInSeconds > 0)) {
      throw new MlcError('MLC_AUTH_FAILED', `token provider ${name} got an unusable token`, { context: { tokenProvider: name } });
    }
    const fetchedAt = now();
    const margin = Math.min(refreshBeforeSeconds, expiresInSeconds / 2);
    const next = { token: accessToken, expiresAt: fetchedAt + expiresInSeconds * 1000, refreshAt: fetchedAt + (expiresInSeconds - margin) * 1000 };
    cached = next;
    logger?.debug({ tokenProvider: name, expiresInSeconds }, 'bearer token refreshed');
    return next;
  }

  function sharedRefresh(): Promise<Cached> {
    inFlight ??= refresh().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async getToken() {
      const current = cached;
      if (current !== undefined && now() < current.refreshAt) return current.token;
      try {
        return (await sharedRefresh()).token;
      } catch (error) {
        // An early refresh that fails is not fatal while the old token still lives.
        if (current !== undefined && cached === current && now() < current.expiresAt) {
          logger?.warn({ tokenProvider: name, err: error }, 'early token refresh failed; using the current token');
          return current.token;
        }
        throw error;
      }
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
