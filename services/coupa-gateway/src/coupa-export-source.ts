import { MlcError } from '@mlc/errors';
import { createHttpClient, createTokenBucket, createTokenProvider, fetchOAuth2Token } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { CoupaExportSource } from './export-poller.js';

export interface CoupaExportSourceParams {
  url: string;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  apiVersion?: { header: string; value?: string | undefined };
  timeoutMs?: number;
  rateLimit?: { perSecond: number; burst: number };
  logger?: Logger;
}

/**
 * Coupa's export endpoints over the shared HTTP layer (OAuth client credentials, retry, rate
 * limit), as libs/coupa's client does; it lives here until that client grows list/export calls.
 */
export function createCoupaExportSource({ url, clientId, clientSecret, scopes, apiVersion, timeoutMs = 30_000, rateLimit = { perSecond: 25, burst: 20 }, logger }: CoupaExportSourceParams): CoupaExportSource {
  const base = url.replace(/\/+$/, '');
  const auth = createTokenProvider({
    name: 'coupa-export',
    refreshBeforeSeconds: 300,
    logger,
    fetchToken: () =>
      fetchOAuth2Token({ tokenUrl: `${base}/oauth2/token`, grant: 'client_credentials', clientId, clientSecret, clientAuth: 'body', scope: scopes.join(' '), timeoutMs }),
  });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (apiVersion?.value) headers[apiVersion.header.toLowerCase()] = apiVersion.value;
  const http = createHttpClient({
    name: 'coupa-export',
    baseUrl: `${base}/api`,
    timeoutMs,
    headers,
    auth,
    logger,
    limiter: createTokenBucket({ ratePerSecond: rateLimit.perSecond, burst: rateLimit.burst }),
  });
  return {
    async listNotExported(resource, status, offset, limit) {
      const { body } = await http.request({ method: 'GET', path: `/${resource}`, query: { exported: 'false', status, offset, limit } });
      if (!Array.isArray(body)) throw new MlcError('MLC_VENDOR_REJECTED', `Coupa answered the ${resource} export list with a non-array body`, { context: { resource } });
      return body;
    },
    async markExported(resource, id) {
      await http.request({ method: 'PUT', path: `/${resource}/${id}`, query: { exported: 'true' }, json: {} });
    },
  };
}
