import type { ServiceContext, ServiceDefinition, ServiceParts } from '@mlc/service';
import { createAuditConsumer } from './consumer.js';
import { auditDatabaseUrl, prepareAuditDatabase } from './database.js';
import { AuditEnv } from './env.js';
import { registerTrailRoutes } from './http.js';
import { registerReconcileMetrics } from './reconcile-metrics.js';
import { createPartitionMaintenance } from './partitions.js';
import { createAuditWriter } from './store.js';
import { queryTrail } from './trail.js';

const NAME = 'audit';

/**
 * The audit service: every canonical, outcome and DLQ topic into the Postgres event log (monthly
 * partitions created ahead, expired ones dropped), and the trail over HTTP.
 */
export function createAudit({ env, logger, metrics, pool, kafka, namespace, server, fail }: ServiceContext<AuditEnv>): ServiceParts {
  const schema = env.MLC_AUDIT_DB_SCHEMA;
  const maintenance = createPartitionMaintenance({
    db: pool,
    logger,
    monthsAhead: env.MLC_AUDIT_PARTITIONS_AHEAD,
    retentionDays: {
      events: env.MLC_AUDIT_RETENTION_DAYS_EVENTS,
      outcomes: env.MLC_AUDIT_RETENTION_DAYS_OUTCOMES,
      dlq: env.MLC_AUDIT_RETENTION_DAYS_DLQ,
      undecodable: env.MLC_AUDIT_RETENTION_DAYS_UNDECODABLE,
    },
  });
  const consumer = createAuditConsumer({
    kafka,
    groupId: namespace.groupId(NAME),
    prefix: namespace.prefix,
    writer: createAuditWriter({ db: pool }),
    logger,
    metrics,
    retry: { initialMs: env.MLC_RETRY_INITIAL_MS, maxMs: env.MLC_RETRY_MAX_MS },
    partitionsConsumedConcurrently: env.MLC_AUDIT_PARTITIONS_CONCURRENCY,
    topicScanIntervalMs: env.MLC_AUDIT_TOPIC_SCAN_MS,
    sessionTimeoutMs: env.MLC_KAFKA_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: env.MLC_KAFKA_HEARTBEAT_MS,
    onStopped: fail,
  });
  registerTrailRoutes(server, { trail: (query) => queryTrail(pool, query) });
  if (metrics !== undefined) registerReconcileMetrics(metrics, { db: pool, logger });

  let upkeep: NodeJS.Timeout | undefined;
  const runMaintenance = async () => {
    await maintenance.ensure();
    await maintenance.dropExpired();
  };

  return {
    readiness: async () => ({ ok: consumer.running(), details: { topics: consumer.topics().length } }),
    start: async () => {
      // Not the shell's migrations: the schema must exist before them.
      await prepareAuditDatabase(pool, { schema, logger });
      await runMaintenance();
      upkeep = setInterval(
        () => void runMaintenance().catch((err: unknown) => logger.warn({ err }, 'audit partition upkeep failed; trying at the next interval')),
        env.MLC_AUDIT_MAINTENANCE_INTERVAL_MS,
      );
      await consumer.start();
    },
    stop: async () => {
      clearInterval(upkeep);
      await consumer.stop();
    },
  };
}

export const audit: ServiceDefinition<typeof AuditEnv> = {
  name: NAME,
  env: AuditEnv,
  // One connection per partition written at once, one for the trail and upkeep; the tables in their schema.
  pool: (env) => ({ url: auditDatabaseUrl(env.DATABASE_URL, env.MLC_AUDIT_DB_SCHEMA), max: env.MLC_AUDIT_PARTITIONS_CONCURRENCY + 2 }),
  create: createAudit,
};
