import { randomBytes } from 'node:crypto';

interface AccessToken {
  clientId: string;
  expiresAt: number;
  revoked: boolean;
  refreshToken?: string;
}

interface RefreshToken {
  clientId: string;
  revoked: boolean;
}

export interface IssuedTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export type Verification = { ok: true; clientId: string } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

export interface TokenStore {
  issue(clientId: string, refreshToken?: string): IssuedTokens;
  /** Undefined when the refresh token is unknown, revoked or another client's. */
  refresh(refreshToken: string, clientId: string): IssuedTokens | undefined;
  verify(accessToken: string): Verification;
  /** RFC 7009: revoking a refresh token also revokes the access tokens issued with it. */
  revoke(token: string, clientId: string): void;
  expireAll(): number;
}

const opaque = () => randomBytes(24).toString('base64url');

/** Opaque bearer tokens held in memory, with a clock so expiry needs no waiting in tests. */
export function createTokenStore({ ttlSeconds, now }: { ttlSeconds: number; now: () => number }): TokenStore {
  const access = new Map<string, AccessToken>();
  const refresh = new Map<string, RefreshToken>();

  const issue = (clientId: string, refreshToken = opaque()): IssuedTokens => {
    if (!refresh.has(refreshToken)) refresh.set(refreshToken, { clientId, revoked: false });
    const token = opaque();
    access.set(token, { clientId, expiresAt: now() + ttlSeconds * 1000, revoked: false, refreshToken });
    return { access_token: token, token_type: 'Bearer', expires_in: ttlSeconds, refresh_token: refreshToken };
  };

  return {
    issue: (clientId) => issue(clientId),
    refresh: (refreshToken, clientId) => {
      const entry = refresh.get(refreshToken);
      if (!entry || entry.revoked || entry.clientId !== clientId) return undefined;
      return issue(clientId, refreshToken);
    },
    verify: (token) => {
      const entry = access.get(token);
      if (!entry) return { ok: false, reason: 'unknown' };
      if (entry.revoked) return { ok: false, reason: 'revoked' };
      if (now() >= entry.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, clientId: entry.clientId };
    },
    revoke: (token, clientId) => {
      const accessEntry = access.get(token);
      if (accessEntry?.clientId === clientId) accessEntry.revoked = true;
      const refreshEntry = refresh.get(token);
      if (refreshEntry?.clientId === clientId) {
        refreshEntry.revoked = true;
        for (const a of access.values()) if (a.refreshToken === token) a.revoked = true;
      }
    },
    expireAll: () => {
      let count = 0;
      const at = now();
      for (const entry of access.values()) {
        if (entry.expiresAt > at) {
          entry.expiresAt = at;
          count += 1;
        }
      }
      return count;
    },
  };
}
