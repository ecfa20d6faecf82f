import { isMlcError } from '@mlc/errors';
import { createHttpClient, createTokenProvider, fetchOAuth2Token, type BearerAuth } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import type { IonApiCredentials } from './ionapi.js';

export interface IonAuthParams {
  credentials: IonApiCredentials;
  /**
   * Reads the credentials again (the `.ionapi` file, replaced when the app's secret was rotated);
   * called when ION refused our token or our credentials. A failure keeps the credentials held.
   */
  rereadCredentials?: (() => IonApiCredentials) | undefined;
  /** ION tokens are refreshed this long before `expires_in` runs out (the architecture says 5 min). */
  refreshBeforeSeconds?: number;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** Deadline of the revoke call: it runs at shutdown and must not hold it up. */
  revokeTimeoutMs?: number;
  /** Wall-clock milliseconds; tests inject a clock instead of waiting for expiry. */
  now?: () => number;
  logger?: Logger;
}

export interface IonAuth extends BearerAuth {
  /**
   * Revokes the last access token issued to us and drops it from the cache (shutdown). One
   * attempt within `revokeTimeoutMs`; a failure is logged at warn, never thrown.
   */
  revoke(): Promise<void>;
}

// RFC 6749 §5.2 error codes are short ASCII words; anything else in a refusal is not logged.
const OAUTH_ERROR = /^[\w.-]{1,64}$/;

function oauthErrorOf(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null | undefined)?.error;
  return typeof error === 'string' && OAUTH_ERROR.test(error) ? error : undefined;
}

/**
 * Bearer tokens for the ION API gateway: the password grant with the service account
 * (`saak`/`sask`) and the client id/secret as HTTP Basic, as in Infor's own samples. Cached,
 * refreshed early, one refresh shared by concurrent callers (all in @mlc/http's token provider).
 * The refresh token ION may return is ignored: re-running the password grant is equally valid
 * and needs no second code path.
 */
export function createIonAuth({ credentials: initial, rereadCredentials, refreshBeforeSeconds = 300, dispatcher, timeoutMs = 30_000, revokeTimeoutMs = 3_000, now, logger }: IonAuthParams): IonAuth {
  let lastToken: string | undefined;
  let credentials = initial;
  const provider = createTokenProvider({
    name: `ion:${credentials.tenant}`,
    refreshBeforeSeconds,
    now,
    logger,
    fetchToken: async ({ rereadCredentials: reread }) => {
      if (reread && rereadCredentials !== undefined) {
        try {
          credentials = rereadCredentials();
        } catch (error) {
          logger?.warn({ tenant: credentials.tenant, code: (error as { code?: unknown }).code }, 'cannot read the .ionapi credentials again; keeping those held');
        }
      }
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
      // to be called is unconfirmed (vendors.md §3.1), hence best effort. Only status and error
      // codes are logged: a refusal's body may echo the token.
      const url = new URL(credentials.revokeUrl);
      const where = { tenant: credentials.tenant, revokeUrl: `${url.origin}${url.pathname}` };
      const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret.reveal()}`).toString('base64');
      const client = createHttpClient({ name: `ion-revoke:${credentials.tenant}`, baseUrl: url.origin, dispatcher, timeoutMs: revokeTimeoutMs, retry: { maxAttempts: 1 } });
      try {
        const response = await client.request({
          method: 'POST',
          path: url.pathname,
          headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
          form: { token, token_type_hint: 'access_token' },
          acceptStatuses: [400, 401],
        });
        if (response.status >= 400) {
          logger?.warn({ ...where, status: response.status, oauthError: oauthErrorOf(response.body) }, 'ION refused to revoke the access token; it lapses at its expiry');
          return;
        }
        logger?.info(where, 'ION access token revoked');
      } catch (error) {
        const code = isMlcError(error) ? error.code : 'MLC_INTERNAL';
        const status = isMlcError(error) ? error.context.status : undefined;
        logger?.warn({ ...where, code, status }, 'ION token revoke failed; the token lapses at its expiry');
      }
    },
  };
}
