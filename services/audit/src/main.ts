// Composition root of the audit service: settings, clients, the consumer, partition upkeep, the
// trail route. The logic is in the modules it wires.
import { Registry } from 'prom-client';
import { loadEnv } from '@mlc/config';
import { createPool } from '@mlc/db';
import { createKafkaClient } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { buildServer, runService } from '@mlc/service';
import { createAuditConsumer } from './consumer.js';
import { auditDatabaseUrl, prepareAuditDatabase } from './database.js';
import { AuditEnv } from './env.js';
import { registerTrailRoutes } from './http.js';
import { createPartitionMaintenance } from './partitions.js';
import { createAuditWriter } from './store.js';
import { queryTrail } from './trail.js';

const NAME = 'audit';
const env = loadEnv(process.env, AuditEnv);
const logger = createLogger({ name: NAME, level: env.LOG_LEVEL });
const metrics = new Registry();
const schema = env.MLC_AUDIT_DB_SCHEMA;
const pool = createPool(auditDatabaseUrl(env.DATABASE_URL, schema), {
  applicationName: NAME,
  logger,
  // One connection per partition written at once, one for the trail and upkeep.
  max: env.MLC_AUDIT_PARTITIONS_CONCURRENCY + 2,
});
const kafka = createKafkaClient({ clientId: env.KAFKA_CLIENT_ID ?? NAME, brokers: env.KAFKA_BROKERS, logger });
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
  groupId: `${env.MLC_TOPIC_PREFIX}${NAME}`,
  prefix: env.MLC_TOPIC_PREFIX,
  writer: createAuditWriter({ db: pool }),
  logger,
  metrics,
  retry: { initialMs: env.MLC_RETRY_INITIAL_MS, maxMs: env.MLC_RETRY_MAX_MS },
  partitionsConsumedConcurrently: env.MLC_AUDIT_PARTITIONS_CONCURRENCY,
  topicScanIntervalMs: env.MLC_AUDIT_TOPIC_SCAN_MS,
  sessionTimeoutMs: env.MLC_KAFKA_SESSION_TIMEOUT_MS,
  heartbeatIntervalMs: env.MLC_KAFKA_HEARTBEAT_MS,
});

const server = buildServer({
  logger,
  metrics,
  readiness: async () => {
    await pool.query('select 1');
    return { ok: consumer.running(), details: { topics: consumer.topics().length } };
  },
});
registerTrailRoutes(server, { trail: (query) => queryTrail(pool, query) });

let upkeep: NodeJS.Timeout | undefined;
const runMaintenance = async () => {
  await maintenance.ensure();
  await maintenance.dropExpired();
};

await runService({
  server,
  port: env.PORT,
  host: env.HOST,
  logger,
  shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  start: async () => {
    await prepareAuditDatabase(pool, { schema, logger });
    await runMaintenance();
    upkeep = setInterval(() => void runMaintenance().catch((err: unknown) => logger.warn({ err }, 'audit partition upkeep failed; trying at the next interval')), env.MLC_AUDIT_MAINTENANCE_INTERVAL_MS);
    await consumer.start();
  },
  stop: async () => {
    clearInterval(upkeep);
    await consumer.stop();
    await pool.end();
  },
});
