import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

/**
 * OAuth 2.0 client-credentials as Coupa documents it for the Core API: `POST /oauth2/token`,
 * form-encoded, scopes named `service.object.right`. Tokens are opaque random strings with a TTL.
 */
export const RESOURCE_SCOPES = {
  suppliers: 'supplier',
  purchase_orders: 'purchase_order',
  invoices: 'invoice',
  lookups: 'common',
  lookup_values: 'common',
  accounts: 'accounting',
} as const;
export type ResourceName = keyof typeof RESOURCE_SCOPES;

export const API_SCOPES = [...new Set(Object.values(RESOURCE_SCOPES))].flatMap((o) => [`core.${o}.read`, `core.${o}.write`]);
/** OpenID scopes Coupa lists for every client; accepted, grant nothing here. */
const OIDC_SCOPES = ['openid', 'email', 'profile', 'login', 'offline_access'];
const KNOWN_SCOPES = new Set([...API_SCOPES, ...OIDC_SCOPES]);

export const scopeFor = (resource: ResourceName, right: 'read' | 'write'): string => `core.${RESOURCE_SCOPES[resource]}.${right}`;

export const ClientConfig = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  scopes: z
    .array(z.string())
    .default(API_SCOPES)
    .refine((s) => s.every((x) => KNOWN_SCOPES.has(x)), 'unknown scope'),
});
export type ClientConfig = z.infer<typeof ClientConfig>;

interface Token {
  clientId: string;
  scopes: ReadonlySet<string>;
  expiresAt: number;
  revoked: boolean;
}

export type TokenCheck = { ok: true; clientId: string; scopes: ReadonlySet<string> } | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'revoked' };

export interface Auth {
  addClient(client: z.input<typeof ClientConfig>): ClientConfig;
  clients(): ReadonlyArray<{ clientId: string; scopes: string[] }>;
  /** Gives a client a new secret and revokes its tokens, as rotating the secret of a Coupa OAuth client does; false for an unknown client. */
  rotateSecret(clientId: string, clientSecret: string): boolean;
  check(authorization: string | undefined): TokenCheck;
  expireAll(): number;
  revoke(filter: { clientId?: string | undefined }): number;
  tokens(): ReadonlyArray<{ clientId: string; scopes: string[]; expiresAt: string; revoked: boolean; expired: boolean }>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createAuth({ clients, tokenTtlSeconds, now }: { clients: ReadonlyArray<z.input<typeof ClientConfig>>; tokenTtlSeconds: number; now: () => number }) {
  const registry = new Map<string, ClientConfig>();
  const tokens = new Map<string, Token>();

  const auth: Auth = {
    addClient(input) {
      const client = ClientConfig.parse(input);
      registry.set(client.clientId, client);
      return client;
    },
    clients: () => [...registry.values()].map((c) => ({ clientId: c.clientId, scopes: [...c.scopes] })),
    rotateSecret(clientId, clientSecret) {
      const client = registry.get(clientId);
      if (client === undefined) return false;
      registry.set(clientId, { ...client, clientSecret });
      auth.revoke({ clientId });
      return true;
    },
    check(authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      if (!match) return { ok: false, reason: 'missing' };
      const token = tokens.get(match[1]!);
      if (!token) return { ok: false, reason: 'unknown' };
      if (token.revoked) return { ok: false, reason: 'revoked' };
      if (token.expiresAt <= now()) return { ok: false, reason: 'expired' };
      return { ok: true, clientId: token.clientId, scopes: token.scopes };
    },
    expireAll() {
      const t = now();
      let n = 0;
      for (const token of tokens.values()) {
        if (token.expiresAt <= t) continue;
        token.expiresAt = t;
        n += 1;
      }
      return n;
    },
    revoke({ clientId }) {
      let n = 0;
      for (const token of tokens.values()) {
        if (token.revoked || (clientId && token.clientId !== clientId)) continue;
        token.revoked = true;
        n += 1;
      }
      return n;
    },
    tokens: () =>
      [...tokens.values()].map((t) => ({
        clientId: t.clientId,
        scopes: [...t.scopes],
        expiresAt: new Date(t.expiresAt).toISOString(),
        revoked: t.revoked,
        expired: t.expiresAt <= now(),
      })),
  };
  for (const c of clients) auth.addClient(c);

  function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
    return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
  }

  /** Registers `POST /oauth2/token` (in its own scope, so the form parser stays local to it). */
  function register(app: FastifyInstance) {
    return app.register(async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
      scope.post('/oauth2/token', async (request, reply) => {
        const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string | undefined>;
        let clientId = form.client_id;
        let clientSecret = form.client_secret;
        const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
        if (basic) {
          const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          if (colon > 0) {
            clientId = decodeURIComponent(decoded.slice(0, colon));
            clientSecret = decodeURIComponent(decoded.slice(colon + 1));
          }
        }
        if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
          return oauthError(reply, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
        }
        if (form.grant_type !== 'client_credentials') {
          return oauthError(reply, 400, form.grant_type ? 'unsupported_grant_type' : 'invalid_request', 'grant_type must be client_credentials');
        }
        const client = clientId ? registry.get(clientId) : undefined;
        if (!client || clientSecret === undefined || !sameSecret(clientSecret, client.clientSecret)) {
          if (basic) reply.header('www-authenticate', 'Basic realm="coupa-sandbox"');
          return oauthError(reply, 401, 'invalid_client', 'client authentication failed');
        }
        const requested = form.scope?.split(' ').filter(Boolean) ?? [];
        const refused = requested.filter((s) => !KNOWN_SCOPES.has(s) || (API_SCOPES.includes(s) && !client.scopes.includes(s)));
        if (refused.length > 0) return oauthError(reply, 400, 'invalid_scope', `scope not available to this client: ${refused.join(' ')}`);
        const granted = requested.length > 0 ? requested : client.scopes;
        const accessToken = randomBytes(32).toString('base64url');
        tokens.set(accessToken, { clientId: client.clientId, scopes: new Set(granted), expiresAt: now() + tokenTtlSeconds * 1000, revoked: false });
        return reply
          .header('cache-control', 'no-store')
          .send({ access_token: accessToken, token_type: 'bearer', expires_in: tokenTtlSeconds, scope: granted.join(' ') });
      });
    });
  }

  return { auth, register };
}
