import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

// An OpenID Connect identity provider simulator, speaking the protocol as providers document it
// (OpenID Connect Core 1.0, Discovery 1.0; RFC 6749 code grant, RFC 7636 PKCE S256, RFC 7517 JWKS):
// a discovery document, an authorization endpoint that shows a sign-in page listing its users, a
// token endpoint that checks the code, client and code_verifier, and RS256 id_tokens whose key is
// in the JWKS. For the console's tests and the sandbox; nothing here is meant for real users.

export interface OidcUser {
  /** The `sub` claim and the name on the sign-in page's button. */
  sub: string;
  name: string;
  email?: string;
  /** The `groups` claim (what the console maps to roles). */
  groups: string[];
}

export interface OidcClient {
  clientId: string;
  /** Confidential client (client_secret_post or client_secret_basic); undefined: a public client (PKCE only). */
  clientSecret?: string | undefined;
  redirectUris: string[];
}

export interface OidcSimulatorOptions {
  users: OidcUser[];
  clients: OidcClient[];
  port?: number;
  host?: string;
  /** id_token lifetime. */
  tokenTtlSeconds?: number;
}

export interface OidcSimulator {
  /** The issuer (`http://host:port`): what the relying party discovers from. */
  issuer: string;
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  user: OidcUser;
  nonce: string | undefined;
  challenge: string;
  expiresAt: number;
}

const CODE_TTL_MS = 60_000;
const MAX_PENDING = 1000;
const MAX_BODY = 16_384;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res: ServerResponse, status: number, body: string, type = 'application/json', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}
const oauthError = (res: ServerResponse, status: number, error: string, description: string) => send(res, status, JSON.stringify({ error, error_description: description }));

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > MAX_BODY) throw new Error('body too large');
  }
  return new URLSearchParams(body);
}

export async function startOidcSimulator({ users, clients, port = 0, host = '127.0.0.1', tokenTtlSeconds = 600 }: OidcSimulatorOptions): Promise<OidcSimulator> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, PendingCode>();
  let issuer = '';

  const clientOf = (id: string | null) => clients.find((c) => c.clientId === id);

  // GET: the sign-in page (one button per user); POST: the chosen user, back to the client with a code.
  async function authorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = req.method === 'POST' ? await readForm(req) : url.searchParams;
    const client = clientOf(params.get('client_id'));
    const redirectUri = params.get('redirect_uri') ?? '';
    // A bad client or redirect URI is shown here, never redirected to (RFC 6749 4.1.2.1).
    if (client === undefined || !client.redirectUris.includes(redirectUri)) return send(res, 400, 'unknown client_id or redirect_uri not registered', 'text/plain');
    const back = (query: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries({ ...query, ...(params.get('state') ? { state: params.get('state')! } : {}) })) target.searchParams.set(k, v);
      res.writeHead(302, { location: target.toString() }).end();
    };
    if (params.get('response_type') !== 'code') return back({ error: 'unsupported_response_type' });
    if (!(params.get('scope') ?? '').split(' ').includes('openid')) return back({ error: 'invalid_scope', error_description: 'scope must include openid' });
    const challenge = params.get('code_challenge');
    if (challenge === null || params.get('code_challenge_method') !== 'S256') return back({ error: 'invalid_request', error_description: 'PKCE with S256 is required' });
    if (req.method !== 'POST') {
      const hidden = [...params.entries()].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
      const buttons = users.map((u) => `<button type="submit" name="login" value="${esc(u.sub)}">${esc(u.name)} (${esc(u.groups.join(', ') || 'no groups')})</button>`).join('<br>');
      return send(res, 200, `<!doctype html><html lang="en"><head><title>Sign in — OIDC simulator</title></head><body><h1>Sign in</h1><form method="post" action="/authorize">${hidden}${buttons}</form></body></html>`, 'text/html; charset=utf-8');
    }
    const user = users.find((u) => u.sub === params.get('login'));
    if (user === undefined) return back({ error: 'access_denied' });
    if (codes.size >= MAX_PENDING) codes.delete(codes.keys().next().value!);
    const code = randomBytes(24).toString('base64url');
    codes.set(code, { clientId: client.clientId, redirectUri, user, nonce: params.get('nonce') ?? undefined, challenge, expiresAt: Date.now() + CODE_TTL_MS });
    back({ code });
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    let clientId = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, pw] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').map((s) => decodeURIComponent(s));
      clientId = id ?? null;
      secret = pw ?? null;
    }
    const client = clientOf(clientId);
    if (client === undefined || (client.clientSecret !== undefined && client.clientSecret !== secret)) return oauthError(res, 401, 'invalid_client', 'unknown client or wrong secret');
    if (form.get('grant_type') !== 'authorization_code') return oauthError(res, 400, 'unsupported_grant_type', 'only authorization_code');
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // one use, whatever happens
    if (pending === undefined || pending.expiresAt < Date.now() || pending.clientId !== client.clientId) return oauthError(res, 400, 'invalid_grant', 'unknown, used or expired code');
    if (form.get('redirect_uri') !== pending.redirectUri) return oauthError(res, 400, 'invalid_grant', 'redirect_uri differs from the authorization request');
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) return oauthError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    const { user } = pending;
    const idToken = await new SignJWT({ name: user.name, ...(user.email ? { email: user.email } : {}), groups: user.groups, ...(pending.nonce ? { nonce: pending.nonce } : {}) })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(user.sub)
      .setAudience(client.clientId)
      .setIssuedAt()
      .setExpirationTime(`${tokenTtlSeconds}s`)
      .sign(privateKey);
    send(res, 200, JSON.stringify({ access_token: randomBytes(24).toString('base64url'), token_type: 'Bearer', expires_in: tokenTtlSeconds, id_token: idToken }));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const route = `${req.method} ${url.pathname}`;
    const handle = async () => {
      switch (route) {
        case 'GET /.well-known/openid-configuration':
          return send(
            res,
            200,
            JSON.stringify({
              issuer,
              authorization_endpoint: `${issuer}/authorize`,
              token_endpoint: `${issuer}/token`,
              jwks_uri: `${issuer}/jwks`,
              response_types_supported: ['code'],
              subject_types_supported: ['public'],
              id_token_signing_alg_values_supported: ['RS256'],
              scopes_supported: ['openid', 'profile', 'email'],
              token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
              code_challenge_methods_supported: ['S256'],
              claims_supported: ['sub', 'name', 'email', 'groups', 'nonce'],
            }),
          );
        case 'GET /jwks':
          return send(res, 200, JSON.stringify({ keys: [jwk] }));
        case 'GET /authorize':
        case 'POST /authorize':
          return authorize(req, res, url);
        case 'POST /token':
          return token(req, res);
        default:
          return send(res, 404, JSON.stringify({ error: 'not_found' }));
      }
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) send(res, 400, JSON.stringify({ error: 'invalid_request', error_description: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
