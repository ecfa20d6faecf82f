import { createHmac, timingSafeEqual } from 'node:crypto';
import { safeEqual, type Secret } from '@mlc/config';

/**
 * Coupa call-out signature: lowercase hex HMAC-SHA256 of the raw body bytes, no prefix or
 * timestamp (see tools/sandbox/docs/coupa.md). Compared in constant time; a header that is not
 * 64 hex digits is simply wrong.
 */
export function verifySignature(secret: Secret, rawBody: Buffer, header: string | undefined): boolean {
  if (header === undefined || !/^[0-9a-fA-F]{64}$/.test(header)) return false;
  const key = secret.reveal();
  const expected = createHmac('sha256', key).update(rawBody).digest();
  // Anyone can compute an HMAC under an empty key: such a key verifies nothing (the configuration
  // refuses it too; this holds whatever built the connection).
  return timingSafeEqual(expected, Buffer.from(header, 'hex')) && usable(key);
}

/** A key or client secret that authenticates anything at all: not empty or whitespace. */
function usable(secret: string): boolean {
  return secret.trim() !== '';
}

export interface OAuthClient {
  clientId: string;
  clientSecret: Secret;
}

export interface TokenClaims {
  connection: string;
  clientId: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const PREFIX = 'mct1';

// The signing key is derived from the client's own secret, bound to the connection and client id:
// every replica with the same connections file verifies every token without shared state, no new
// secret has to be provisioned, and rotating a client's secret revokes all its tokens at once.
function keyFor(connection: string, client: OAuthClient): Buffer {
  return createHmac('sha256', client.clientSecret.reveal()).update(`mlc-coupa-gateway-token/v1\n${connection}\n${client.clientId}`).digest();
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Stateless bearer tokens for Coupa's OAuth 2.0 call-out flow:
 * `mct1.<base64url(claims JSON)>.<base64url(HMAC-SHA256(key, "mct1." + claims))>`.
 */
export function issueToken(claims: TokenClaims, client: OAuthClient): string {
  const body = `${PREFIX}.${b64(JSON.stringify({ c: claims.connection, sub: claims.clientId, exp: claims.exp }))}`;
  return `${body}.${b64(createHmac('sha256', keyFor(claims.connection, client)).update(body).digest())}`;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'unknown-client' | 'bad-signature' | 'wrong-connection' | 'expired' };

/** Verifies one of our tokens for `connection` at `nowSeconds`; the reason is for metrics and logs only. */
export function verifyToken(token: string, connection: string, clients: readonly OAuthClient[], nowSeconds: number): TokenCheck {
  const [prefix, payload, signature, extra] = token.split('.');
  if (prefix !== PREFIX || !payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { c, sub, exp } = (raw ?? {}) as { c?: unknown; sub?: unknown; exp?: unknown };
  if (typeof c !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') return { ok: false, reason: 'malformed' };
  const client = clients.find((candidate) => candidate.clientId === sub && usable(candidate.clientSecret.reveal()));
  if (client === undefined) return { ok: false, reason: 'unknown-client' };
  // The key binds the connection, so a token minted for another connection fails the signature
  // even when both share a client secret; the claim check only names the reason.
  const expected = createHmac('sha256', keyFor(connection, client)).update(`${prefix}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: c === connection ? 'bad-signature' : 'wrong-connection' };
  if (exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { connection: c, clientId: sub, exp } };
}

/** The client whose Basic credentials (or form client_id/client_secret) match, compared in constant time. */
export function authenticateClient(clients: readonly OAuthClient[], clientId: string, clientSecret: string): OAuthClient | undefined {
  let found: OAuthClient | undefined;
  // Every client is compared, so the time taken does not say which ids exist.
  for (const client of clients) {
    const idMatches = safeEqual(client.clientId, clientId);
    const secretMatches = safeEqual(client.clientSecret.reveal(), clientSecret);
    if (idMatches && secretMatches && usable(clientSecret)) found = client;
  }
  return found;
}

/** `Authorization: Basic base64(id:secret)` → its parts (RFC 6749 §2.3.1: both form-urlencoded). */
export function parseBasic(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: unform(decoded.slice(0, colon)), clientSecret: unform(decoded.slice(colon + 1)) };
  } catch {
    return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
  }
}

export function bearerOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}
