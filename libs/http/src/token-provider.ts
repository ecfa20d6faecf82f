import { MlcError, isMlcError, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import type { BearerAuth } from './types.js';

export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
  /** The scopes the server says it granted (space-separated), when it says. */
  scope?: string;
}

export interface TokenProviderParams {
  /** Names the provider in errors and logs (e.g. the connection and vendor). */
  name: string;
  /**
   * Gets a token. `rereadCredentials`: the last token or credentials were refused, so read the
   * credentials from their source again (they may have been rotated) rather than from a cache.
   */
  fetchToken: (options: { rereadCredentials: boolean }) => Promise<FetchedToken>;
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
 * holds a newer one, so a burst of 401s on the old token causes one refresh, not many. The fetch
 * after a refusal reads the credentials again (`rereadCredentials`), and so does a second try when
 * the token endpoint refuses credentials read from a cache: a rotated secret is picked up without
 * a restart, and the call that met the refusal is repeated with it.
 */
export function createTokenProvider({ name, fetchToken, refreshBeforeSeconds, now = Date.now, logger }: TokenProviderParams): TokenProvider {
  if (!Number.isFinite(refreshBeforeSeconds) || refreshBeforeSeconds < 0) throw new RangeError('refreshBeforeSeconds must be >= 0');
  let cached: Cached | undefined;
  let inFlight: Promise<Cached> | undefined;
  // Set when a target refused our token: the next fetch reads the credentials again.
  let refused = false;

  async function fetchWithCredentials(): Promise<FetchedToken> {
    const reread = refused;
    try {
      return await fetchToken({ rereadCredentials: reread });
    } catch (error) {
      // The token endpoint refused credentials from a cache: they may have been rotated since.
      if (reread || !isMlcError(error) || error.code !== 'MLC_AUTH_FAILED') throw error;
      logger?.info({ tokenProvider: name }, 'credentials refused; reading them again');
      return fetchToken({ rereadCredentials: true });
    }
  }

  async function refresh(): Promise<Cached> {
    let fetched: FetchedToken;
    try {
      fetched = await fetchWithCredentials();
    } catch (error) {
      throw toMlcError(error, { tokenProvider: name });
    }
    refused = false;
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
      if (cached?.token !== token) return;
      cached = undefined;
      refused = true;
    },
  };
}
