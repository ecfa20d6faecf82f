import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { installFaults, type FaultControl } from '../shared/faults.js';
import { Credentials, DEFAULT_CREDENTIALS, createOperatorAccounts } from './accounts.js';
import { registerAdminRoutes, type MutableSettings } from './admin-routes.js';
import { createSysproStore, isTimeZone, type SysproStore } from './data/store.js';
import { registerEnetRoutes } from './enet/routes.js';
import { createSessions } from './enet/sessions.js';
import { MAX_ROWS_PER_RESPONSE } from './odata/query.js';
import { registerODataRoutes } from './odata/routes.js';

export const SysproSizes = z
  .object({
    suppliers: z.number().int().min(1).max(1_000_000).default(50),
    purchaseOrders: z.number().int().min(0).max(2_000_000).default(200),
    maxLinesPerOrder: z.number().int().min(1).max(999).default(5),
    invoices: z.number().int().min(0).max(2_000_000).default(150),
    maxDistributionsPerInvoice: z.number().int().min(1).max(99).default(3),
    glAccounts: z.number().int().min(1).max(100_000).default(40),
    costCentres: z.number().int().min(1).max(999).default(8),
  })
  .strict();

export const SysproSimulatorOptions = z
  .object({
    port: z.number().int().min(0).max(65_535).default(0),
    host: z.string().default('127.0.0.1'),
    seed: z.number().int().default(1),
    company: z.string().min(1).max(10).default('EDU1'),
    sizes: SysproSizes.default(SysproSizes.parse({})),
    credentials: Credentials.default(DEFAULT_CREDENTIALS),
    /** e.net sessions end after this long without a call. */
    sessionIdleSeconds: z.number().int().positive().default(1800),
    /** Rows per OData page before @odata.nextLink; SYSPRO's cap of 5,000 always applies. */
    pageSize: z.number().int().min(1).max(MAX_ROWS_PER_RESPONSE).default(MAX_ROWS_PER_RESPONSE),
    /** IANA zone of the SYSPRO server's clock: zone-less change dates (DateLastChanged) are its wall clock. */
    serverTimeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/London').default('UTC'),
  })
  .strict();

export type SysproSimulatorOptions = z.input<typeof SysproSimulatorOptions> & {
  /** The server's clock: session expiry and change dates (tests pass a fake one); default Date.now. */
  now?: () => number;
  logger?: FastifyBaseLogger;
};

export interface SysproSimulatorApp {
  app: FastifyInstance;
  state: SysproStore;
  credentials: Credentials;
  faults: FaultControl;
  settings: MutableSettings;
}

// Logon, Setup and Transaction calls carry passwords and documents in the query string.
const redactUrl = (url: string): string => (url.startsWith('/SYSPROWCFService') ? url.replace(/\?.*$/, '?[redacted]') : url);

/** Builds the SYSPRO simulator (OData + e.net REST + /_sandbox admin) without listening; for inject tests. */
export function buildSysproSimulator(options: SysproSimulatorOptions = {}): SysproSimulatorApp {
  const { now = Date.now, logger, ...rest } = options;
  const config = SysproSimulatorOptions.parse(rest);
  const app = logger
    ? Fastify({
        loggerInstance: logger.child(
          { component: 'syspro-simulator' },
          { serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }) } },
        ),
      })
    : Fastify({ logger: false });
  const faults = installFaults(app, { seed: config.seed });
  const settings: MutableSettings = { pageSize: config.pageSize, sessionIdleSeconds: config.sessionIdleSeconds, serverTimeZone: config.serverTimeZone };
  const state = createSysproStore({ company: config.company, seed: config.seed, sizes: config.sizes, clock: { now, timeZone: () => settings.serverTimeZone } });
  const accounts = createOperatorAccounts(config.credentials);
  const sessions = createSessions({ idleSeconds: () => settings.sessionIdleSeconds, now });

  registerODataRoutes(app, { store: state, accounts, pageSize: () => settings.pageSize });
  registerEnetRoutes(app, { store: state, accounts, sessions, now });
  registerAdminRoutes(app, { store: state, accounts, sessions, settings });
  return { app, state, credentials: config.credentials, faults, settings };
}

export interface SysproSimulator extends SysproSimulatorApp {
  /** Base URL, e.g. http://127.0.0.1:40123; OData under /SYSPRO8Odata/SYSPROOData/{company}, e.net under /SYSPROWCFService/Rest. */
  url: string;
  close(): Promise<void>;
}

/** Starts the SYSPRO simulator on `host:port` (port 0 picks a free one). */
export async function startSysproSimulator(options: SysproSimulatorOptions = {}): Promise<SysproSimulator> {
  const built = buildSysproSimulator(options);
  const host = options.host ?? '127.0.0.1';
  await built.app.listen({ port: options.port ?? 0, host });
  const address = built.app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { ...built, url: `http://${urlHost}:${port}`, close: () => built.app.close() };
}
