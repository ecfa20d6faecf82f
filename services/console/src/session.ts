import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '@mlc/config';
import { z } from 'zod';

// Sessions live in a signed cookie (HMAC-SHA256 over the payload): no server-side store, so any
// replica serves any request and a restart signs nobody out. Every comparison is constant-time.

export const ROLES = ['reader', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const Session = z.object({
  /** Who: the OIDC `sub`, or `admin-token`. */
  sub: z.string().min(1),
  name: z.string(),
  role: z.enum(ROLES),
  /** The CSRF token of this session: every form that acts carries it. */
  csrf: z.string().min(16),
  /** Expiry, epoch seconds. */
  exp: z.number().int(),
});
export type Session = z.infer<typeof Session>;


const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/** `payload.mac`, payload base64url JSON. */
export function sign(secret: string, value: unknown): string {
  const payload = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

/** The signed value, or undefined when the signature does not match or it does not parse. */
export function unsign(secret: string, token: string | undefined): unknown {
  if (token === undefined) return undefined;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  if (!safeEqual(token.slice(dot + 1), mac(secret, payload))) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function newSession(user: { sub: string; name: string; role: Role }, ttlSeconds: number, now: Date): Session {
  return { ...user, csrf: randomBytes(24).toString('base64url'), exp: Math.floor(now.getTime() / 1000) + ttlSeconds };
}

/** The session a cookie holds, if its signature holds and it has not expired. */
export function readSession(secret: string, cookie: string | undefined, now: Date): Session | undefined {
  const parsed = Session.safeParse(unsign(secret, cookie));
  if (!parsed.success || parsed.data.exp * 1000 <= now.getTime()) return undefined;
  return parsed.data;
}

/** Cookies of a `Cookie` header by name (the first of a repeated name). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
      } catch {
        // a malformed value is no cookie of ours
      }
    }
  }
  return cookies;
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
  path?: string;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax (sent on the provider's redirect back, never on a cross-site POST). */
export function serializeCookie(name: string, value: string, { secure, maxAgeSeconds, path = '/' }: CookieOptions): string {
  return [`${name}=${encodeURIComponent(value)}`, `Path=${path}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join('; ');
}
