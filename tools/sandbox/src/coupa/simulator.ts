import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installFaults, type FaultControl } from '../shared/faults.js';
import { registerAdmin } from './admin.js';
import { API_SCOPES, createAuth, type Auth, type ClientConfig } from './auth.js';
import { registerApi, type ApiSettings } from './api.js';
import { createCallouts, type Callouts, type EventType } from './callouts.js';
import { CoupaSimulatorOptions, type RateLimitSetting } from './options.js';
import { createLimiter, type Limiter } from './rate-limit.js';
import { seed } from './seed.js';
import { createState, type CoupaState } from './state.js';
import type { z } from 'zod';

export interface CoupaCredentials {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Path of the token endpoint; absolute in `startCoupaSimulator`'s result. */
  tokenUrl: string;
}

export interface CoupaSimulator {
  app: FastifyInstance;
  state: CoupaState;
  credentials: CoupaCredentials;
  auth: Auth;
  callouts: Callouts;
  faults: FaultControl;
  /** Emits a call-out event as the simulator does after a change (for tests of receivers). */
  emit(type: EventType, record: unknown): string;
}

function defaultClients(seedValue: number): ClientConfig[] {
  return [
    { clientId: 'mlc-sandbox', clientSecret: `sandbox-secret-${seedValue}`, scopes: API_SCOPES },
    { clientId: 'mlc-sandbox-readonly', clientSecret: `sandbox-readonly-${seedValue}`, scopes: API_SCOPES.filter((s) => s.endsWith('.read')) },
  ];
}

/** Builds the Coupa simulator without listening (use `app.inject` or `app.listen`). */
export async function buildCoupaSimulator(options: CoupaSimulatorOptions = {}, logger?: FastifyBaseLogger): Promise<CoupaSimulator> {
  const opts = CoupaSimulatorOptions.parse(options);
  const now = opts.now ?? Date.now;
  const app = Fastify({ ...(logger ? { loggerInstance: logger } : { logger: false }), bodyLimit: 10 * 1024 * 1024 });
  const faults = installFaults(app, { seed: opts.seed });

  const state = createState();
  seed(state, opts.seed, opts.sizes);

  const clients = opts.clients ?? defaultClients(opts.seed);
  const { auth, register: registerToken } = createAuth({ clients, tokenTtlSeconds: opts.tokenTtlSeconds, now });
  const callouts = createCallouts({ retry: opts.callouts, now });
  app.addHook('onClose', async () => callouts.close());

  let rateLimit: z.infer<typeof RateLimitSetting> = opts.rateLimit;
  let limiter: Limiter | undefined = rateLimit ? createLimiter(rateLimit, now) : undefined;
  const settings: ApiSettings = {
    latencyMs: opts.latencyMs,
    apiVersionHeader: opts.apiVersionHeader,
    requireApiVersion: opts.requireApiVersion,
    defaultLimit: opts.defaultLimit,
    maxLimit: opts.maxLimit,
  };
  const apiVersions = new Map<string, number>();
  const emit = (type: EventType, record: unknown) => callouts.emit(type, record);

  await registerToken(app);
  await registerApi(app, { state, auth, settings, limiter: () => limiter, emit, apiVersions, now });
  await registerAdmin(app, {
    state,
    auth,
    callouts,
    settings,
    rateLimit: () => rateLimit,
    setRateLimit: (next) => {
      rateLimit = next;
      limiter = next ? createLimiter(next, now) : undefined;
    },
    apiVersions,
    emit,
    now,
  });

  const first = clients[0]!;
  const credentials: CoupaCredentials = { clientId: first.clientId, clientSecret: first.clientSecret, scopes: [...(first.scopes ?? API_SCOPES)], tokenUrl: '/oauth2/token' };
  return { app, state, credentials, auth, callouts, faults, emit };
}

/** Starts the simulator on `host:port` (port 0 = any free port). */
export async function startCoupaSimulator(
  options: CoupaSimulatorOptions = {},
  logger?: FastifyBaseLogger,
): Promise<CoupaSimulator & { url: string; close(): Promise<void> }> {
  const { port, host } = CoupaSimulatorOptions.parse(options);
  const sim = await buildCoupaSimulator(options, logger);
  // Node's default requestTimeout (300 s) would cut configured latencies beyond it; latency is the point here.
  sim.app.server.requestTimeout = 0;
  await sim.app.listen({ port, host });
  const address = sim.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the Coupa simulator did not bind a TCP port');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return { ...sim, url, credentials: { ...sim.credentials, tokenUrl: `${url}/oauth2/token` }, close: () => sim.app.close() };
}
