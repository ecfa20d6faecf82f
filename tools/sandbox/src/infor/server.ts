import Fastify, { type FastifyInstance } from 'fastify';
import { installFaults, type FaultControl } from '../shared/faults.js';
import { registerAdmin } from './admin.js';
import { registerAuthServer } from './auth-server.js';
import { registerGateway } from './gateway.js';
import { ionApiFileFor, sandboxCredentials, type IonApiCredentials, type IonApiFile } from './ionapi.js';
import { seedM3State, type InforSizes, type M3State } from './m3/state.js';
import { createSlidingWindowLimiter } from './rate-limit.js';
import { createTokenStore } from './tokens.js';

export interface InforSimulatorOptions {
  seed?: number;
  sizes?: InforSizes;
  /** ION tenant id (`ti`), also the first path segment of every URL. */
  tenant?: string;
  tokenTtlSeconds?: number;
  /** Gateway throttle per OAuth client, in requests per sliding minute; false disables it. */
  requestsPerMinute?: number | false;
  /** M3 company (CONO) and division (DIVI) of the service account. */
  company?: string;
  division?: string;
  /** Milliseconds since the epoch; tests pass a fake clock instead of waiting. */
  now?: () => number;
}

export interface InforSimulator {
  app: FastifyInstance;
  state: M3State;
  faults: FaultControl;
  credentials: IonApiCredentials;
  /** The `.ionapi` file for a client that reaches this server at `url`. */
  ionapiFor(url: string): IonApiFile;
}

/** Builds the ION API gateway + M3 simulator without listening (use `inject` in tests). */
export function buildInforSimulator({
  seed = 1,
  sizes,
  tenant = 'MLC_TST',
  tokenTtlSeconds = 7200,
  requestsPerMinute = 300,
  company = '100',
  division = 'AAA',
  now = Date.now,
}: InforSimulatorOptions = {}): InforSimulator {
  if (!/^[A-Za-z0-9_]+$/.test(tenant)) throw new Error(`tenant must be letters, digits or _: ${tenant}`);
  if (requestsPerMinute !== false && (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1)) {
    throw new Error(`requestsPerMinute must be a positive integer or false: ${requestsPerMinute}`);
  }
  const today = () => new Date(now());
  const app = Fastify({ logger: false });
  // The token and revoke endpoints take application/x-www-form-urlencoded (RFC 6749 §4.3.2).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const faults = installFaults(app, { seed });
  const state = seedM3State({ seed, company, division, sizes, today: today() });
  const credentials = sandboxCredentials(tenant);
  const tokens = createTokenStore({ ttlSeconds: tokenTtlSeconds, now });
  const limiter = requestsPerMinute === false ? undefined : createSlidingWindowLimiter({ limit: requestsPerMinute, windowMs: 60_000, now });

  registerAuthServer(app, { tenant, credentials, tokens });
  registerGateway(app, { tenant, state, tokens, today, admit: (clientId) => limiter?.take(clientId) ?? { allowed: true } });
  registerAdmin(app, { state, tokens, today });

  return { app, state, faults, credentials, ionapiFor: (url) => ionApiFileFor(url, tenant, credentials) };
}

export interface StartedInforSimulator {
  url: string;
  app: FastifyInstance;
  state: M3State;
  credentials: IonApiCredentials;
  ionapi: IonApiFile;
  close(): Promise<void>;
}

/** Starts the simulator on `host:port` (port 0 picks a free one). */
export async function startInforSimulator({
  port = 0,
  host = '127.0.0.1',
  ...options
}: InforSimulatorOptions & { port?: number; host?: string } = {}): Promise<StartedInforSimulator> {
  const simulator = buildInforSimulator(options);
  await simulator.app.listen({ port, host });
  const address = simulator.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator is not listening on TCP');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    app: simulator.app,
    state: simulator.state,
    credentials: simulator.credentials,
    ionapi: simulator.ionapiFor(url),
    close: () => simulator.app.close(),
  };
}
