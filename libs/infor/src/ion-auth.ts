import { createHttpClient, createTokenProvider, fetchOAuth2Token, type BearerAuth } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import type { IonApiCredentials } from './ionapi.js';

export interface IonAuthParams {
  credentials: IonApiCredentials;
  /** ION tokens are refreshed this long before `expires_in` runs out (the architecture says 5 min). */
  refreshBeforeSeconds?: number;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** Wall-clock milliseconds; tests inject a clock instead of waiting for expiry. */
  now?: () => number;
  logger?: Logger;
}

export interface IonAuth extends BearerAuth {
  /** Revokes the last access token issued to us (shutdown); failures are logged, never thrown. */
  revoke(): Promise<void>;
}

/**
 * Bearer tokens for the ION API gateway: the password grant with the service account
 * (`saak`/`sask`) and the client id/secret as HTTP Basic, as in Infor's own samples. Cached,
 * refreshed early, one refresh shared by concurrent callers (all in @mlc/http's token provider).
 * The refresh token ION may return is ignored: re-running the password grant is equally valid
 * and needs no second code path.
 */
export function createIonAuth({ credentials, refreshBeforeSeconds = 300, dispatcher, timeoutMs = 30_000, now, logger }: IonAuthParams): IonAuth {
  let lastToken: string | undefined;
  const provider = createTokenProvider({
    name: `ion:${credentials.tenant}`,
    refreshBeforeSeconds,
    now,
    logger,
    fetchToken: async () => {
      const token = await fetchOAuth2Token({
        tokenUrl: credentials.tokenUrl,
        grant: 'password',
        username: credentials.serviceAccountAccessKey.reveal(),
        password: credentials.serviceAccountSecretKey.reveal(),
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret.reveal(),
        clientAuth: 'basic',
        dispatcher,
        timeoutMs,
      });
      lastToken = token.accessToken;
      return token;
    },
  });

  return {
    getToken: provider.getToken,
    invalidate: provider.invalidate,
    async revoke() {
      const token = lastToken;
      if (token === undefined) return;
      lastToken = undefined;
      provider.invalidate(token);
      // RFC 7009 with the same client authentication as the token call; how ION expects revoke
      // to be called is unconfirmed (vendors.md §3.1), hence best effort.
      const url = new URL(credentials.revokeUrl);
      const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret.reveal()}`).toString('base64');
      try {
        await createHttpClient({ name: `ion-revoke:${credentials.tenant}`, baseUrl: url.origin, dispatcher, timeoutMs, retry: { maxAttempts: 1 } }).request({
          method: 'POST',
          path: url.pathname,
          headers: { authorization: `Basic ${basic}` },
          form: { token, token_type_hint: 'access_token' },
        });
      } catch (error) {
        logger?.warn({ err: error, tenant: credentials.tenant }, 'ION token revoke failed');
      }
    },
  };
}
