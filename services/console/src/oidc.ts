import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { MlcError, toMlcError } from '@mlc/errors';
import type { Role } from './session.js';

// OpenID Connect sign-in, authorization code flow with PKCE (S256), for any provider that
// publishes a discovery document. The id_token is verified against the provider's JWKS (jose):
// signature, issuer, audience, expiry, and the nonce of this sign-in.

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  redirectUrl: string;
  rolesClaim: string;
  operatorGroups: readonly string[];
  /** Undefined: every signed-in user may read. */
  readerGroups?: readonly string[] | undefined;
  timeoutMs: number;
}

const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
});
type Discovery = z.infer<typeof Discovery>;

/** What the browser keeps (signed) between the redirect to the provider and its redirect back. */
export const PendingSignIn = z.object({ state: z.string(), nonce: z.string(), verifier: z.string(), returnTo: z.string(), exp: z.number() });
export type PendingSignIn = z.infer<typeof PendingSignIn>;

export interface SignedInUser {
  sub: string;
  name: string;
  role: Role;
}

/** The role the claim's groups give: operator, reader, or none (not let in). Pure. */
export function roleOf(claims: JWTPayload, settings: Pick<OidcSettings, 'rolesClaim' | 'operatorGroups' | 'readerGroups'>): Role | undefined {
  const raw = claims[settings.rolesClaim];
  const groups = typeof raw === 'string' ? raw.split(/[ ,]+/) : Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : [];
  if (groups.some((g) => settings.operatorGroups.includes(g))) return 'operator';
  if (settings.readerGroups === undefined || groups.some((g) => settings.readerGroups!.includes(g))) return 'reader';
  return undefined;
}

const random = () => randomBytes(32).toString('base64url');

/** A relying party of one provider; discovery and the JWKS are fetched on first use and kept. */
export function createOidcClient(settings: OidcSettings, now: () => Date = () => new Date()) {
  let discovery: Promise<Discovery> | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const issuer = settings.issuer.replace(/\/$/, '');

  const discover = () =>
    (discovery ??= (async () => {
      const url = `${issuer}/.well-known/openid-configuration`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(settings.timeoutMs) });
        if (!res.ok) throw new MlcError('MLC_HTTP_CLIENT_ERROR', `OIDC discovery answered ${res.status}`, { context: { url, status: res.status } });
        const doc = Discovery.parse(await res.json());
        if (doc.issuer.replace(/\/$/, '') !== issuer) throw new MlcError('MLC_CONFIG_INVALID', `OIDC discovery names issuer ${doc.issuer}, not ${settings.issuer}`, { context: { url } });
        return doc;
      } catch (error) {
        throw toMlcError(error, { call: 'oidc discovery', url });
      }
    })().catch((error: unknown) => {
      discovery = undefined; // tried again on the next sign-in
      throw error;
    }));

  return {
    /** Where to send the browser, and what to keep until it comes back. */
    async start(returnTo: string): Promise<{ url: string; pending: PendingSignIn }> {
      const doc = await discover();
      const pending = { state: random(), nonce: random(), verifier: random(), returnTo, exp: Math.floor(now().getTime() / 1000) + 600 };
      const url = new URL(doc.authorization_endpoint);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: settings.clientId,
        redirect_uri: settings.redirectUrl,
        scope: 'openid profile email',
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      return { url: url.toString(), pending };
    },

    /** The user of a provider's redirect back (`code`, `state`), or MLC_AUTH_FAILED naming why not. */
    async finish(query: { code?: string | undefined; state?: string | undefined; error?: string | undefined }, pending: PendingSignIn | undefined, safeEqual: (a: string, b: string) => boolean): Promise<SignedInUser> {
      const fail = (message: string, context: Record<string, unknown> = {}) => new MlcError('MLC_AUTH_FAILED', message, { context });
      if (query.error !== undefined) throw fail(`the identity provider refused the sign-in: ${query.error}`);
      if (pending === undefined || pending.exp * 1000 < now().getTime()) throw fail('no sign-in in progress in this browser (or it took over 10 minutes): start again');
      if (query.state === undefined || !safeEqual(query.state, pending.state)) throw fail('state does not match this browser\'s sign-in');
      if (query.code === undefined) throw fail('no code in the redirect');
      const doc = await discover();
      const body = new URLSearchParams({ grant_type: 'authorization_code', code: query.code, redirect_uri: settings.redirectUrl, code_verifier: pending.verifier, client_id: settings.clientId });
      if (settings.clientSecret !== undefined) body.set('client_secret', settings.clientSecret);
      let tokens: { id_token?: unknown };
      try {
        const res = await fetch(doc.token_endpoint, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, signal: AbortSignal.timeout(settings.timeoutMs) });
        tokens = (await res.json()) as { id_token?: unknown };
        if (!res.ok) throw fail(`the token endpoint answered ${res.status}`, { status: res.status, error: (tokens as { error?: unknown }).error });
      } catch (error) {
        throw toMlcError(error, { call: 'oidc token' });
      }
      if (typeof tokens.id_token !== 'string') throw fail('the token endpoint gave no id_token');
      jwks ??= createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: settings.timeoutMs });
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(tokens.id_token, jwks, { issuer: doc.issuer, audience: settings.clientId, algorithms: ['RS256', 'ES256', 'PS256'], currentDate: now() }));
      } catch (error) {
        throw fail(`the id_token does not verify: ${(error as Error).message}`, { code: (error as { code?: unknown }).code });
      }
      if (typeof claims.nonce !== 'string' || !safeEqual(claims.nonce, pending.nonce)) throw fail('the id_token nonce is not this sign-in\'s');
      const role = roleOf(claims, settings);
      if (role === undefined) throw fail(`${String(claims.sub)} is in none of the console's groups`, { sub: claims.sub });
      const name = typeof claims.name === 'string' ? claims.name : typeof claims.email === 'string' ? claims.email : String(claims.sub);
      return { sub: String(claims.sub), name, role };
    },
  };
}
export type OidcClient = ReturnType<typeof createOidcClient>;
