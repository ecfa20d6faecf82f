import { z } from 'zod';
import { ClientConfig } from './auth.js';
import { RetryPolicy } from './callouts.js';
import { SeedSizes } from './seed.js';

export const RateLimitSetting = z.union([
  z.literal(false),
  z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() }),
]);

/** Options of the Coupa simulator; every key has a default, so `{}` gives a working sandbox. */
export const CoupaSimulatorOptions = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().default('127.0.0.1'),
  /** Same seed, same data. */
  seed: z.number().int().default(1),
  sizes: SeedSizes.default(SeedSizes.parse({})),
  /** OAuth clients; default: `mlc-sandbox` with every scope and `mlc-sandbox-readonly` with the read scopes. */
  clients: z.array(ClientConfig).optional(),
  /** Coupa documents a 24 h token lifetime; its token endpoint answers expires_in 86399. */
  tokenTtlSeconds: z.number().int().positive().default(86399),
  rateLimit: RateLimitSetting.default({ perSecond: 25, burst: 20 }),
  apiVersionHeader: z.string().min(1).default('X-Coupa-API-Version'),
  requireApiVersion: z.union([z.boolean(), z.string().min(1)]).default(false),
  /** Added before every /api answer; may exceed a client's 30 s timeout on purpose. */
  latencyMs: z.number().int().nonnegative().default(0),
  defaultLimit: z.number().int().positive().default(50),
  maxLimit: z.number().int().positive().default(50),
  callouts: RetryPolicy.default(RetryPolicy.parse({})),
  /** Clock in epoch ms (tokens, rate limit, timestamps); tests pass a controllable one. */
  now: z.custom<() => number>((v) => typeof v === 'function').optional(),
});
export type CoupaSimulatorOptions = z.input<typeof CoupaSimulatorOptions>;
