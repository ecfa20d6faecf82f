import { z } from 'zod';
import { Registry } from 'prom-client';
import { InfraEnv, loadConnections, loadEnv, selectConnections, type Connection, type MappingSchemas, type Vendor, type WithSection } from '@mlc/config';
import { createPool, migrate } from '@mlc/db';
import { MlcError } from '@mlc/errors';
import { OUTCOMES_TOPIC, createRegistryCodec, createSchemaRegistryClient } from '@mlc/events';
import { applyTopics, createConsumerRuntime, createKafkaClient, standardTopics, type EventHandler } from '@mlc/kafka';
import { createLogger, type Logger } from '@mlc/log';
import { buildServer, runService } from '@mlc/service';
import { createTargetRecordStore, TARGET_RECORDS_MIGRATIONS, type TargetRecordStore } from './target-records.js';

/** Settings of every writer, on top of the infra settings. */
export const WriterEnv = InfraEnv.extend({
  MLC_RETRY_INITIAL_MS: z.coerce.number().int().positive().default(500),
  MLC_RETRY_MAX_MS: z.coerce.number().int().positive().default(60_000),
  /** Handler calls per event before a transient failure is dead-lettered (≈ 10 minutes at the defaults). */
  MLC_RETRY_MAX_ATTEMPTS: z.coerce.number().int().positive().default(15),
  /**
   * Partitions handled at once; default: every partition the writer consumes. A partition waiting
   * in place for a dependency (a PO for its supplier) holds its slot, so fewer slots than
   * partitions can starve the very partition that carries the dependency.
   */
  MLC_PARTITIONS_CONCURRENCY: z.coerce.number().int().positive().optional(),
  MLC_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(6),
  /** Namespaces topics and the consumer group (`staging.` → `staging.syspro.suppliers.v1`), for shared clusters and tests. */
  MLC_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
  /**
   * How long the group waits for a silent writer before moving its partitions to the others: lower
   * means faster failover after a crash, higher tolerates long GC pauses. The broker allows 6 s–30 min.
   */
  MLC_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(1_800_000).default(30_000),
  MLC_KAFKA_HEARTBEAT_MS: z.coerce.number().int().positive().default(3_000),
}).superRefine((env, ctx) => {
  if (env.MLC_KAFKA_HEARTBEAT_MS * 3 > env.MLC_KAFKA_SESSION_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['MLC_KAFKA_HEARTBEAT_MS'],
      message: `must be at most a third of MLC_KAFKA_SESSION_TIMEOUT_MS (${env.MLC_KAFKA_SESSION_TIMEOUT_MS})`,
    });
  }
});
export type WriterEnv = z.infer<typeof WriterEnv>;

export interface ConnectionHandlerDeps<C extends Connection = Connection> {
  connection: C;
  records: TargetRecordStore;
  logger: Logger;
  metrics: Registry;
}

/**
 * A writer: `M` are the vendor mapping schemas it reads (`{ coupa: CoupaMapping }`), `V` the
 * connection section it needs. Its handler gets the connection with that section and its mapping
 * parsed and typed (`connection.coupa`, `connection.mappings.coupa`).
 */
export interface WriterDefinition<M extends MappingSchemas = MappingSchemas, V extends Vendor = Vendor> {
  /** Service name, consumer group id and DLQ prefix: `coupa-writer` → `coupa-writer.dlq.v1`. */
  name: string;
  topics: readonly string[];
  /** Vendor mapping schemas, so the connections file (mappings included) is validated in one pass. */
  mappings: M;
  /** The section a connection needs for this writer to serve it (e.g. `coupa`). */
  section: V;
  /** Builds the handler for one connection: clients, startup checks. */
  createHandler: (deps: ConnectionHandlerDeps<WithSection<Connection<M>, V>>) => Promise<EventHandler>;
  /**
   * Shutdown work of the writer's own (e.g. revoking vendor tokens), run once consuming has stopped
   * (no handler runs any more) and before the database closes. Should be bounded and not throw; a
   * failure is logged and shutdown goes on.
   */
  close?: () => Promise<void>;
}

/**
 * Routes each event to its connection's handler. Topics carry every connection's events; an
 * event for a connection this writer does not serve is a permanent error (DLQ), not a crash.
 */
export function routeByConnection(handlers: ReadonlyMap<string, EventHandler>, writer: string): EventHandler {
  return (event, ctx) => {
    const handler = handlers.get(event.connection);
    if (!handler) {
      return Promise.reject(
        new MlcError('MLC_CONFIG_INVALID', `${writer} has no connection "${event.connection}" configured`, {
          context: { connection: event.connection, eventId: event.id, configured: [...handlers.keys()] },
        }),
      );
    }
    return handler(event, ctx);
  };
}

/**
 * The composition every writer shares: environment and connections file, logger, Kafka and the
 * registry codec, Postgres with the target-record table, one consumer runtime, the service shell
 * and graceful SIGTERM. A writer's own main.ts only says which topics and how to handle them.
 */
export async function runWriterService<M extends MappingSchemas, V extends Vendor>(definition: WriterDefinition<M, V>, processEnv: NodeJS.ProcessEnv = process.env): Promise<void> {
  const env = loadEnv(processEnv, WriterEnv);
  const logger = createLogger({ name: definition.name, level: env.LOG_LEVEL });
  const file = loadConnections(env.MLC_CONNECTIONS_FILE, { env: processEnv, mappings: definition.mappings });
  const connections = selectConnections(file, { wanted: env.MLC_CONNECTIONS, section: definition.section, service: definition.name });

  const metrics = new Registry();
  const pool = createPool(env.DATABASE_URL, { applicationName: definition.name, logger });
  const kafka = createKafkaClient({ clientId: env.KAFKA_CLIENT_ID ?? definition.name, brokers: env.KAFKA_BROKERS, logger });
  const prefix = env.MLC_TOPIC_PREFIX;
  const groupId = `${prefix}${definition.name}`;
  const codec = createRegistryCodec({
    registry: createSchemaRegistryClient({ url: env.SCHEMA_REGISTRY_URL }),
    logger,
    logicalTopic: (topic) => (topic.startsWith(prefix) ? topic.slice(prefix.length) : topic),
  });
  const records = createTargetRecordStore({ db: pool });
  let runtime: ReturnType<typeof createConsumerRuntime> | undefined;
  let consuming = false;

  const server = buildServer({
    logger,
    metrics,
    readiness: async () => {
      await pool.query('select 1');
      return { ok: consuming, details: { consuming, connections: connections.map((c) => c.id) } };
    },
  });

  await runService({
    server,
    port: env.PORT,
    host: env.HOST,
    logger,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    start: async () => {
      await migrate(pool, { component: 'writer', dir: TARGET_RECORDS_MIGRATIONS, logger });
      await applyTopics(kafka, standardTopics({ partitions: env.MLC_TOPIC_PARTITIONS, writerGroups: [definition.name] }), prefix);
      const handlers = new Map<string, EventHandler>();
      for (const connection of connections) {
        handlers.set(connection.id, await definition.createHandler({ connection, records, logger: logger.child({ connection: connection.id }), metrics }));
      }
      runtime = createConsumerRuntime({
        kafka,
        groupId,
        topics: definition.topics.map((t) => `${prefix}${t}`),
        outcomesTopic: `${prefix}${OUTCOMES_TOPIC}`,
        codec,
        handler: routeByConnection(handlers, definition.name),
        logger,
        metrics,
        retry: { initialMs: env.MLC_RETRY_INITIAL_MS, maxMs: env.MLC_RETRY_MAX_MS, maxAttempts: env.MLC_RETRY_MAX_ATTEMPTS },
        partitionsConsumedConcurrently: env.MLC_PARTITIONS_CONCURRENCY ?? definition.topics.length * env.MLC_TOPIC_PARTITIONS,
        sessionTimeoutMs: env.MLC_KAFKA_SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: env.MLC_KAFKA_HEARTBEAT_MS,
      });
      await runtime.start();
      consuming = true;
      logger.info({ topics: definition.topics, connections: [...handlers.keys()] }, `${definition.name} consuming`);
    },
    stop: async () => {
      consuming = false;
      await runtime?.stop();
      await definition.close?.().catch((err: unknown) => logger.warn({ err }, `${definition.name}: shutdown work failed`));
      await pool.end();
    },
  });
}
