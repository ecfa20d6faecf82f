import { toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import Fastify, { type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { notReadyReason } from './readiness.js';

/** The fastify instance of a service, typed with our pino logger. */
export type ServiceServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>;

export interface ReadinessResult {
  ok: boolean;
  details?: Record<string, unknown>;
}

export interface BuildServerParams {
  logger: Logger;
  /** What the service depends on (Kafka connected, consumer joined, pool up). */
  readiness?: () => Promise<ReadinessResult>;
  /** The service's registry; default Node metrics are added to it once. */
  metrics?: Registry;
  /** A hanging dependency check must not hang the probe. */
  readinessTimeoutMs?: number;
}

// Probes hit these every few seconds; their request logs would drown the service's own.
const PROBE_ROUTE = { logLevel: 'warn' } as const;

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
 * The fastify shell of every service: `/healthz` (the process answers), `/readyz` (503 while
 * starting, shutting down, or when `readiness` says no), `/metrics` (Prometheus text). Services
 * register their own routes on the returned instance.
 */
export function buildServer({ logger, readiness, metrics = new Registry(), readinessTimeoutMs = 5000 }: BuildServerParams): ServiceServer {
  const server = Fastify({ loggerInstance: logger });
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
