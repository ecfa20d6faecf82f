import pg from 'pg';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { InfraEnv, loadConnections, loadEnv, selectOneConnection } from '@mlc/config';
import { createPool, migrate } from '@mlc/db';
import { ENTITY_TYPES, createRegistryCodec, createSchemaRegistryClient, topicFor } from '@mlc/events';
import { applyTopics, createEventProducer, createKafkaClient, standardTopics } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { buildServer, runService } from '@mlc/service';
import { SysproMapping, sysproODataClientFromSettings } from '@mlc/syspro';
import { planEntities } from './entities.js';
import { MIGRATIONS_DIR, createPgHashStore } from './hash-store.js';
import { CURSOR_TOPIC, REJECT_TOPIC, createKafkaCursorStore, createKafkaPagePublisher } from './kafka-state.js';
import { createLeader } from './leader.js';
import { createPollerMetrics } from './metrics.js';
import { createPoller, type Poller } from './poller.js';

const PollerEnv = InfraEnv.extend({
  /** Namespaces every topic (`staging.` → `staging.syspro.suppliers.v1`), for shared clusters and tests. */
  MLC_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
  MLC_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(6),
  /** How often a standby replica tries to take over. */
  MLC_LEADER_RETRY_MS: z.coerce.number().int().positive().default(5000),
});

const SERVICE = 'syspro-poller';

const env = loadEnv(process.env, PollerEnv);
const logger = createLogger({ name: SERVICE, level: env.LOG_LEVEL });
const file = loadConnections(env.MLC_CONNECTIONS_FILE, { env: process.env, mappings: { syspro: SysproMapping } });
// One process polls one connection: MLC_CONNECTIONS names it, unless the file has only one with a `syspro` section.
const connection = selectOneConnection(file, { wanted: env.MLC_CONNECTIONS, section: 'syspro', service: SERVICE });
const mapping = connection.mappings.syspro;
const { odata, poll } = connection.syspro;
const prefix = env.MLC_TOPIC_PREFIX;
const cursorTopic = `${prefix}${CURSOR_TOPIC}`;
const rejectTopic = `${prefix}${REJECT_TOPIC}`;
const log = logger.child({ connection: connection.id });

const metrics = new Registry();
const pollerMetrics = createPollerMetrics({ registry: metrics, connection: connection.id });
const pool = createPool(env.DATABASE_URL, { max: 3, applicationName: SERVICE, logger });
const kafka = createKafkaClient({ clientId: env.KAFKA_CLIENT_ID ?? SERVICE, brokers: env.KAFKA_BROKERS, logger });
const codec = createRegistryCodec({
  registry: createSchemaRegistryClient({ url: env.SCHEMA_REGISTRY_URL }),
  logger,
  logicalTopic: (topic) => (topic.startsWith(prefix) ? topic.slice(prefix.length) : topic),
});
// One transactional id per connection: a new leader's producer fences a stale one mid-transaction.
const producer = createEventProducer({ kafka, codec, logger, transactionalId: `${prefix}${SERVICE}:${connection.id}` });
const sysproOData = sysproODataClientFromSettings(odata, { logger });

let poller: Poller | undefined;
const leader = createLeader({
  name: `${SERVICE}:${connection.id}`,
  logger: log,
  retryMs: env.MLC_LEADER_RETRY_MS,
  onStateChange: (state) => pollerMetrics.leader(state),
  connect: async () => {
    const client = new pg.Client({ connectionString: env.DATABASE_URL, application_name: `${SERVICE}-lock`, keepAlive: true });
    await client.connect();
    return client;
  },
  work: {
    // Only the leader connects the producer: initialising the transactional id fences whoever held it.
    start: async () => {
      await producer.connect();
      poller = createPoller({
        connection: connection.id,
        odata: sysproOData,
        cursors: createKafkaCursorStore({ kafka, connection: connection.id, logger, cursorTopic }),
        publisher: createKafkaPagePublisher({
          producer,
          connection: connection.id,
          cursorTopic,
          rejectTopic,
          topicOf: (entity) => `${prefix}${topicFor('syspro', entity)}`,
        }),
        hashes: createPgHashStore({ db: pool, connection: connection.id }),
        mapping,
        entities: planEntities(poll, mapping),
        logger,
        metrics: pollerMetrics,
        pageSize: odata.pageSize,
        overlapMs: Math.round(poll.overlapSeconds * 1000),
      });
      await poller.start();
    },
    stop: async () => {
      await poller?.stop();
      poller = undefined;
      await producer.disconnect();
    },
  },
});

const server = buildServer({
  logger,
  metrics,
  readiness: async () => {
    await pool.query('select 1');
    // A standby is healthy: it waits for the lock by design.
    return { ok: leader.state() !== 'stopped', details: { connection: connection.id, role: leader.state(), polls: poller?.status() ?? {} } };
  },
});

await runService({
  server,
  port: env.PORT,
  host: env.HOST,
  logger,
  shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  start: async () => {
    await migrate(pool, { component: SERVICE, dir: MIGRATIONS_DIR, logger });
    const eventTopics = standardTopics({ partitions: env.MLC_TOPIC_PARTITIONS }).filter((t) =>
      ENTITY_TYPES.some((entity) => t.topic === topicFor('syspro', entity)),
    );
    await applyTopics(
      kafka,
      [
        ...eventTopics,
        // Compacted: only the latest cursor per key matters, and it must never expire.
        { topic: CURSOR_TOPIC, partitions: 1, cleanupPolicy: 'compact' as const },
        { topic: REJECT_TOPIC, partitions: env.MLC_TOPIC_PARTITIONS, cleanupPolicy: 'delete' as const, retentionMs: 30 * 24 * 3600 * 1000 },
      ],
      prefix,
    );
    leader.start();
  },
  stop: async () => {
    await leader.stop();
    await pool.end();
  },
});
