import { MlcError } from '@mlc/errors';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { createHttpClient } from './client.js';
import type { RetryOptions } from './retry.js';
import type { FetchedToken } from './token-provider.js';

type GrantParams =
  | { grant: 'client_credentials'; username?: never; password?: never }
  /** ION service accounts: `saak`/`sask` of the .ionapi file as username/password. */
  | { grant: 'password'; username: string; password: string };

export type FetchOAuth2TokenParams = GrantParams & {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** RFC 6749 §2.3.1: HTTP Basic (preferred by the RFC, used by ION) or the form body (Coupa). */
  clientAuth: 'basic' | 'body';
  /** Space-separated, as sent (Coupa: `core.supplier.read core.supplier.write`). */
  scope?: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Used when the server omits `expires_in` (it is only RECOMMENDED by RFC 6749). */
  defaultExpiresInSeconds?: number;
};

const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z
    .string()
    .refine((t) => t.toLowerCase() === 'bearer', 'not a bearer token')
    .optional(),
  expires_in: z.union([z.number().positive(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  /** RFC 6749 §5.1: the scopes granted, when they differ from those asked for (many servers always send it). */
  scope: z.string().optional(),
});

// RFC 6749 §5.2 error codes are short ASCII words; anything else is not echoed into our errors.
const ErrorResponse = z.object({ error: z.string().regex(/^[\w.-]{1,64}$/) });

/**
 * One RFC 6749 token request (form-encoded POST to the token endpoint), the response validated
 * with zod. Repeating it is harmless, so it is retried like an idempotent call. Neither the
 * secrets sent nor the token received ever enter an error: a refused request yields
 * MLC_AUTH_FAILED with the RFC error code only.
 */
export async function fetchOAuth2Token(params: FetchOAuth2TokenParams): Promise<FetchedToken> {
  const { tokenUrl, clientId, clientSecret, clientAuth, scope, dispatcher, timeoutMs, retry, defaultExpiresInSeconds = 3600 } = params;
  const url = new URL(tokenUrl);
  const client = createHttpClient({ name: `oauth2:${url.host}`, baseUrl: url.origin, dispatcher, timeoutMs, retry });
  const form: Record<string, string> = { grant_type: params.grant };
  if (params.grant === 'password') {
    form.username = params.username;
    form.password = params.password;
  }
  if (scope !== undefined) form.scope = scope;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (clientAuth === 'basic') {
    // Not form-urlencoded first, although §2.3.1 says so: ION client ids contain `~`, and servers
    // in the field compare the raw value.
    headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  } else {
    form.client_id = clientId;
    form.client_secret = clientSecret;
  }
  const context = { tokenUrl: `${url.origin}${url.pathname}`, grant: params.grant };

  const response = await client.request({
    method: 'POST',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    form,
    idempotent: true,
    acceptStatuses: [400, 401],
  });
  if (response.status !== 200 && response.status !== 201) {
    const parsed = ErrorResponse.safeParse(response.body);
    throw new MlcError('MLC_AUTH_FAILED', `token endpoint refused the ${params.grant} grant`, {
      context: { ...context, status: response.status, ...(parsed.success ? { oauthError: parsed.data.error } : {}) },
    });
  }
  const parsed = TokenResponse.safeParse(response.body);
  if (!parsed.success) {
    // Issue paths only: the values may include the token.
    throw new MlcError('MLC_AUTH_FAILED', 'token endpoint answered an unusable token response', {
      context: { ...context, status: response.status, invalidFields: parsed.error.issues.map((i) => i.path.join('.') || '(root)') },
    });
  }
  const { scope: granted } = parsed.data;
  return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in ?? defaultExpiresInSeconds, ...(granted === undefined ? {} : { scope: granted }) };
}
