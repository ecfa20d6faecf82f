import { z } from 'zod';
import { MlcEnv } from '@mlc/mlc';
import { ServiceEnv } from '@mlc/service';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const groups = z
  .string()
  .transform((value) => value.split(',').map((g) => g.trim()).filter(Boolean))
  .optional();
const secret = (what: string) => z.string().min(32, `${what}: at least 32 characters (openssl rand -base64 32)`);

/** The console's own settings (MLC_CONSOLE_*), documented in docs/CONFIGURATION.md. */
export const ConsoleSettings = z.object({
  /** Signs session cookies (HMAC-SHA256); rotate it to end every session. */
  MLC_CONSOLE_SESSION_SECRET: secret('MLC_CONSOLE_SESSION_SECRET'),
  /** Sessions last this long, then sign in again. */
  MLC_CONSOLE_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(28_800),
  /** `Secure` on the cookies (HTTPS only); `false` only for http://localhost. */
  MLC_CONSOLE_COOKIE_SECURE: flag.default(true),
  /** A static admin token for local use: who types it signs in as an operator. Unset: no token sign-in. */
  MLC_CONSOLE_ADMIN_TOKEN: secret('MLC_CONSOLE_ADMIN_TOKEN').optional(),
  /** OpenID Connect provider (its issuer URL; discovery at /.well-known/openid-configuration). Unset: no OIDC sign-in. */
  MLC_CONSOLE_OIDC_ISSUER: z.url().optional(),
  MLC_CONSOLE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Confidential clients; unset: a public client (PKCE only). */
  MLC_CONSOLE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The console's callback as registered at the provider: https://console.example/auth/callback. */
  MLC_CONSOLE_OIDC_REDIRECT_URL: z.url().optional(),
  /** The id_token claim holding the user's groups or roles (a string or an array). */
  MLC_CONSOLE_OIDC_ROLES_CLAIM: z.string().min(1).default('groups'),
  /** Groups that make a user an operator (may redrive, discard, replay). */
  MLC_CONSOLE_OIDC_OPERATOR_GROUPS: groups,
  /** Groups that may read; unset: every user the provider signs in may read. */
  MLC_CONSOLE_OIDC_READER_GROUPS: groups,
  /** Longest wait for the provider's discovery, token and JWKS endpoints. */
  MLC_CONSOLE_OIDC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Rows per page of the trail, DLQ and replay lists. */
  MLC_CONSOLE_PAGE_SIZE: z.coerce.number().int().min(5).max(500).default(50),
});

/** Settings of the console: the service's infrastructure, what mlc reads, and its own. */
export const ConsoleEnv = ServiceEnv.extend(MlcEnv.shape)
  .extend(ConsoleSettings.shape)
  .superRefine((env, ctx) => {
    const oidc = ['MLC_CONSOLE_OIDC_ISSUER', 'MLC_CONSOLE_OIDC_CLIENT_ID', 'MLC_CONSOLE_OIDC_REDIRECT_URL'] as const;
    const given = oidc.filter((k) => env[k] !== undefined);
    if (given.length > 0 && given.length < oidc.length) {
      for (const k of oidc) if (env[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `required with ${given.join(', ')}` });
    }
    if (env.MLC_CONSOLE_ADMIN_TOKEN === undefined && given.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['MLC_CONSOLE_ADMIN_TOKEN'], message: 'no way to sign in: set MLC_CONSOLE_ADMIN_TOKEN or the MLC_CONSOLE_OIDC_* settings' });
    }
  });
export type ConsoleEnv = z.infer<typeof ConsoleEnv>;
