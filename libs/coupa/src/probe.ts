import type { CoupaConnection } from '@mlc/config';
import { MlcError } from '@mlc/errors';
import { fetchOAuth2Token } from '@mlc/http';
import { coupaApiHttp } from './client.js';
import type { Dispatcher } from 'undici';

/**
 * The Core API resources our Coupa clients call (coupa-writer finds, creates and updates them; the
 * gateway's export poller lists and marks orders and invoices), each with the object its OAuth
 * scopes are named after (`core.<object>.read|write`, as Coupa names them).
 */
export const COUPA_RESOURCES = {
  suppliers: 'supplier',
  lookups: 'common',
  lookup_values: 'common',
  accounts: 'accounting',
  purchase_orders: 'purchase_order',
  invoices: 'invoice',
} as const;
export type CoupaResource = keyof typeof COUPA_RESOURCES;

/** The scopes the connection's calls need: read and write of every resource's object. Pure. */
export function coupaScopesNeeded(resources: readonly CoupaResource[] = Object.keys(COUPA_RESOURCES) as CoupaResource[]): string[] {
  return [...new Set(resources.flatMap((r) => [`core.${COUPA_RESOURCES[r]}.read`, `core.${COUPA_RESOURCES[r]}.write`]))].sort();
}

export interface CoupaProbe {
  /** Fetches a token with the configured scopes; the scopes Coupa granted (those asked for when it does not say). */
  token(): Promise<{ granted: string[] }>;
  /** `GET /api/<resource>?limit=1` with that token: how many records came back (0 or 1). */
  read(resource: CoupaResource): Promise<number>;
}

/**
 * What `mlc check` asks a Coupa instance, with the connection's real credentials: one token, one
 * read of each resource. One attempt per call (no retries: a check reports what happens now).
 * A read refused for a scope (403 with `WWW-Authenticate: Bearer error="insufficient_scope"`,
 * RFC 6750 §3.1) is MLC_AUTH_FAILED with `oauthError: insufficient_scope` and the scope Coupa named.
 */
export function createCoupaProbe(settings: CoupaConnection, { dispatcher, timeoutMs = settings.timeoutMs }: { dispatcher?: Dispatcher; timeoutMs?: number } = {}): CoupaProbe {
  const base = settings.url.replace(/\/+$/, '');
  let accessToken: string | undefined;
  const getToken = async (): Promise<string> => (accessToken ??= (await fetchToken()).accessToken);
  const fetchToken = () =>
    fetchOAuth2Token({
      tokenUrl: `${base}/oauth2/token`,
      grant: 'client_credentials',
      clientId: settings.clientId,
      clientSecret: settings.clientSecret.reveal(),
      clientAuth: 'body',
      scope: settings.scopes.join(' '),
      dispatcher,
      timeoutMs,
      retry: { maxAttempts: 1 },
    });
  const http = coupaApiHttp({
    base,
    apiVersion: settings.apiVersion,
    dispatcher,
    timeoutMs,
    retry: { maxAttempts: 1 },
    auth: { getToken, invalidate: () => undefined },
  });
  return {
    async token() {
      const token = await fetchToken();
      accessToken = token.accessToken;
      return { granted: (token.scope ?? settings.scopes.join(' ')).split(' ').filter(Boolean) };
    },
    async read(resource) {
      const response = await http.request({ method: 'GET', path: `/${resource}`, query: { limit: 1 }, acceptStatuses: [403] });
      if (response.status === 403) {
        const challenge = String(response.headers['www-authenticate'] ?? '');
        const scope = /scope="([^"]*)"/.exec(challenge)?.[1];
        const insufficient = /error="insufficient_scope"/.test(challenge);
        throw new MlcError(insufficient ? 'MLC_AUTH_FAILED' : 'MLC_HTTP_CLIENT_ERROR', `Coupa refused GET /api/${resource} (403)`, {
          context: { status: 403, resource, ...(insufficient ? { oauthError: 'insufficient_scope' } : {}), ...(scope === undefined ? {} : { scope }) },
        });
      }
      return Array.isArray(response.body) ? response.body.length : 0;
    },
  };
}
