import { createServer, type IncomingMessage, type Server } from 'node:http';
import { toMlcError } from '@mlc/errors';
import { lazyChild, type Logger } from '@mlc/log';
import Fastify, { type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { notReadyReason } from './readiness.js';

/** The fastify instance of a service, typed with our pino logger. */
export type ServiceServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>;

export interface ReadinessResult {
  ok: boolean;
  details?: Record<string, unknown>;
}

/**
 * Deadlines and caps of the HTTP listener, against clients that send slowly or not at all (a
 * trickled body holds memory and a socket for as long as the server waits).
 */
export interface HttpLimits {
  /** The whole request, headers and body, must arrive within this (node's requestTimeout; 408 and closed otherwise). */
  requestTimeoutMs: number;
  /** The headers must arrive within this (node's headersTimeout; at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** A socket with no traffic at all is closed after this (fastify's connectionTimeout). */
  idleTimeoutMs: number;
  /** Request bodies being received at once; beyond it a request gets 503 + Retry-After before its body is read. */
  maxInFlightBodies: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, idleTimeoutMs: 60_000, maxInFlightBodies: 256 };

const BUSY_RETRY_AFTER_SECONDS = '1';

export interface BuildServerParams {
  logger: Logger;
  /** What the service depends on (Kafka connected, consumer joined, pool up). */
  readiness?: () => Promise<ReadinessResult>;
  /** The service's registry; default Node metrics are added to it once. */
  metrics?: Registry;
  /** A hanging dependency check must not hang the probe. */
  readinessTimeoutMs?: number;
  /** Listener deadlines and the cap on bodies in flight; DEFAULT_HTTP_LIMITS for what is not given. */
  limits?: Partial<HttpLimits>;
}

// Probes hit these every few seconds; their request logs would drown the service's own. They are
// the internal routes: with an internal listener, served there and nowhere else.
const PROBE_ROUTE = { logLevel: 'warn', config: { internal: true } } as const;

// Requests that came in through the internal listener, and servers that have one.
const internalRequests = new WeakSet<IncomingMessage>();
const withInternalListener = new WeakSet<ServiceServer>();

/**
 * Serves the internal routes (/healthz, /readyz, /metrics) on their own listener, e.g. a port
 * only the cluster reaches, and from then on no longer on the server's own (public) port, which
 * then answers them as it answers any unknown path. Resolves with the listening node server.
 */
export async function listenInternal(server: ServiceServer, { port, host }: { port: number; host: string }): Promise<Server> {
  await server.ready();
  const internal = createServer((request, response) => {
    internalRequests.add(request);
    server.routing(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    internal.once('error', reject);
    internal.listen(port, host, () => {
      internal.off('error', reject);
      resolve();
    });
  });
  withInternalListener.add(server);
  return internal;
}

async function checkReadiness(readiness: () => Promise<ReadinessResult>, timeoutMs: number): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, details: { error: 'readiness check timed out', timeoutMs } }), timeoutMs);
  });
  try {
    return await Promise.race([readiness(), timeout]);
  } catch (error) {
    // The code only: a dependency's message may quote a connection string.
    return { ok: false, details: { error: toMlcError(error).code } };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * At most `max` request bodies are received at once: each holds a socket and its buffered bytes
 * until it ends (or the request deadline cuts it), so a flood of slow uploads is refused early
 * with 503 rather than exhausting memory. Counted from the start of body parsing (after onRequest
 * hooks, so a request refused on its headers never takes a slot) until the body ends or the
 * request closes.
 */
function limitBodiesInFlight(server: ServiceServer, max: number): void {
  let inFlight = 0;
  server.addHook('preParsing', async (request, reply, payload) => {
    if (inFlight >= max) {
      request.log.warn({ inFlight, max }, 'too many request bodies in flight; refused');
      // Nothing of this body is read: close rather than drain it.
      await reply.code(503).header('retry-after', BUSY_RETRY_AFTER_SECONDS).header('connection', 'close').send({ error: 'busy', message: 'too many requests in progress; retry later' });
      return payload;
    }
    inFlight += 1;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      inFlight -= 1;
    };
    payload.once('end', release);
    request.raw.once('close', release);
    return payload;
  });
}

/**
 * The fastify shell of every service: `/healthz` (the process answers), `/readyz` (503 while
 * starting, shutting down, or when `readiness` says no), `/metrics` (Prometheus text). Services
 * register their own routes on the returned instance.
 */
export function buildServer({ logger, readiness, metrics = new Registry(), readinessTimeoutMs = 5000, limits: given = {} }: BuildServerParams): ServiceServer {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...given };
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const server = Fastify({
    loggerInstance: logger,
    // Made on the first line a request logs at an enabled level: most requests log nothing. The
    // parent is `logger` (pino).
    childLoggerFactory: (parent, bindings, options) => lazyChild(parent as Logger, bindings, options),
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    // node checks its deadlines every connectionsCheckingInterval (30 s by default), which would
    // let a deadline overrun by that much.
    serverFactory: (handler) =>
      createServer(
        { requestTimeout: limits.requestTimeoutMs, headersTimeout, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))) },
        handler,
      ),
  });
  limitBodiesInFlight(server, limits.maxInFlightBodies);
  server.addHook('onRequest', async (request, reply) => {
    if (!withInternalListener.has(server)) return undefined;
    const internalRoute = (request.routeOptions.config as { internal?: boolean } | undefined)?.internal === true;
    // Each listener serves only its own routes; the other's look like paths that do not exist.
    if (internalRoute !== internalRequests.has(request.raw)) return reply.callNotFound();
    return undefined;
  });
  // Default metrics on a registry twice would throw on duplicate names.
  if (metrics.getSingleMetric('process_cpu_user_seconds_total') === undefined) collectDefaultMetrics({ register: metrics });

  server.get('/healthz', PROBE_ROUTE, async () => ({ status: 'ok' }));

  server.get('/readyz', PROBE_ROUTE, async (_req, reply) => {
    const reason = notReadyReason(server);
    if (reason !== undefined) return reply.code(503).send({ status: 'not-ready', details: { reason } });
    const result = readiness === undefined ? { ok: true } : await checkReadiness(readiness, readinessTimeoutMs);
    return reply.code(result.ok ? 200 : 503).send({ status: result.ok ? 'ready' : 'not-ready', details: result.details ?? {} });
  });

  server.get('/metrics', PROBE_ROUTE, async (_req, reply) => {
    const body = await metrics.metrics();
    return reply.type(metrics.contentType).send(body);
  });

  return server;
}
