import { z } from 'zod';
import type { Registry } from 'prom-client';
import { readConnections, selectConnections, type Connection, type MappingSchemas, type Vendor, type WithSection } from '@mlc/config';
import { createPool } from '@mlc/db';
import { MlcError } from '@mlc/errors';
import { OUTCOMES_TOPIC } from '@mlc/events';
import { ConsumerEnv, checkConsumerEnv, createConsumerRuntime, standardTopics, type EventHandler } from '@mlc/kafka';
import type { CreateRateLimiter } from '@mlc/http';
import type { Logger } from '@mlc/log';
import { ServiceEnv, startService, type ServiceDefinition } from '@mlc/service';
import { createParkingStore } from './parking-store.js';
import { createRateLimiterFactory } from './rate-limits.js';
import { createSyncStateStore, type SyncStateStore } from './supplier-sync.js';
import { createTargetRecordStore, TARGET_RECORDS_MIGRATIONS, type TargetRecordStore } from './target-records.js';

/** Settings of every writer, on top of the service settings (infrastructure, `MLC_CONNECTIONS`, topic namespace). */
export const WriterEnv = ServiceEnv.extend(ConsumerEnv.shape).extend({
  /**
   * Handler calls per event before a record's own retriable failure (a dependency not in the
   * target yet, a database conflict) is dead-lettered (≈ 10 minutes at the defaults). Outages do
   * not count: our database, Kafka or registry down is waited out; a target down opens its circuit.
   */
  MLC_RETRY_MAX_ATTEMPTS: z.coerce.number().int().positive().default(15),
  /** Consecutive target outages (timeouts, connection failures, 5xx, 429, refused credentials or session) of one connection that open its circuit. */
  MLC_CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().positive().default(5),
  /** First probe of an open circuit after this; doubles per failed probe... */
  MLC_CIRCUIT_PROBE_INITIAL_MS: z.coerce.number().int().positive().default(5_000),
  /** ...up to this (5 minutes): an outage of hours is probed every few minutes. */
  MLC_CIRCUIT_PROBE_MAX_MS: z.coerce.number().int().positive().default(300_000),
  /** Parked records per connection (and writer) beyond which the partition stops being consumed (backpressure). */
  MLC_PARKING_MAX_PER_CONNECTION: z.coerce.number().int().positive().default(100_000),
  /** How often the drainer looks at the parking lot and probes open circuits. */
  MLC_PARKING_DRAIN_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
  /**
   * Partitions handled at once; default: every partition the writer consumes. A partition waiting
   * in place for a dependency (a PO for its supplier) holds its slot, so fewer slots than
   * partitions can starve the very partition that carries the dependency.
   */
  MLC_PARTITIONS_CONCURRENCY: z.coerce.number().int().positive().optional(),
  /**
   * Messages of one partition handled at once: records of different keys side by side, those of
   * one key strictly in order (the runtime's `keyConcurrency`); default: the writer's own
   * (`WriterDefinition.keyConcurrency`, 1 when it names none).
   */
  MLC_KEY_CONCURRENCY: z.coerce.number().int().positive().max(256).optional(),
  /**
   * `shared`: the replicas of this writer take their vendor calls from one token bucket per
   * connection in PostgreSQL, so together they stay within the connection's limit. `local`: each
   * replica limits itself to the full limit (a single replica only).
   */
  MLC_RATE_LIMIT: z.enum(['shared', 'local']).default('shared'),
  /** While PostgreSQL cannot be reached, each replica limits itself locally to the limit divided by this. */
  MLC_RATE_LIMIT_FALLBACK_REPLICAS: z.coerce.number().int().positive().default(3),
})
  .superRefine(checkConsumerEnv)
  .superRefine((env, ctx) => {
    if (env.MLC_CIRCUIT_PROBE_MAX_MS < env.MLC_CIRCUIT_PROBE_INITIAL_MS) {
      ctx.addIssue({ code: 'custom', path: ['MLC_CIRCUIT_PROBE_MAX_MS'], message: 'MLC_CIRCUIT_PROBE_MAX_MS must be >= MLC_CIRCUIT_PROBE_INITIAL_MS' });
    }
    // Otherwise one record failing alone would reach the DLQ before its connection's circuit could open.
    if (env.MLC_CIRCUIT_FAILURE_THRESHOLD > env.MLC_RETRY_MAX_ATTEMPTS) {
      ctx.addIssue({ code: 'custom', path: ['MLC_CIRCUIT_FAILURE_THRESHOLD'], message: 'MLC_CIRCUIT_FAILURE_THRESHOLD must be <= MLC_RETRY_MAX_ATTEMPTS' });
    }
  });
export type WriterEnv = z.infer<typeof WriterEnv>;

export interface ConnectionHandlerDeps<C extends Connection = Connection> {
  connection: C;
  records: TargetRecordStore;
  /** Two-way sync state of the records (what both systems last agreed on), for `createSupplierSync`. */
  syncState: SyncStateStore;
  logger: Logger;
  metrics: Registry;
  /**
   * The limiter for this connection's calls to the writer's target (its section): pass it to the
   * vendor client (`createLimiter`), so the writer's replicas share the connection's limit.
   */
  createLimiter: CreateRateLimiter;
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
  /**
   * Default of `MLC_KEY_CONCURRENCY`: messages of one partition handled at once (different keys;
   * one key stays in offset order). 1 when unset: worth more only where the target takes calls at
   * once faster than one after another, not where a rate limit or licences bound it anyway.
   */
  keyConcurrency?: number;
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
 * The parts every writer shares, on the service shell: the connections file, the target-record
 * table, one consumer runtime routing events to each connection's handler. A writer's own main.ts
 * only says which topics and how to handle them.
 */
export function writerService<M extends MappingSchemas, V extends Vendor>(definition: WriterDefinition<M, V>): ServiceDefinition<typeof WriterEnv> {
  return {
    name: definition.name,
    env: WriterEnv,
    // Key lookups and batch statements over arrays (the records handled side by side): planned
    // once per connection, not per call.
    pool: { genericPlans: true },
    create: async ({ env, processEnv, logger, metrics, pool, kafka, namespace, codec, secrets, fail }) => {
      // Only the writer's own section: the other vendors' secrets need not be mounted here.
      const file = await readConnections(env.MLC_CONNECTIONS_FILE, { env: processEnv, mappings: definition.mappings, sections: [definition.section], store: secrets });
      const connections = selectConnections(file, { wanted: env.MLC_CONNECTIONS, section: definition.section, service: definition.name });
      const records = createTargetRecordStore({ db: pool });
      const syncState = createSyncStateStore({ db: pool });
      // Leases have a pool of their own, so a busy writer pool never delays them into the fallback;
      // short server-side timeouts, as a lease is one small UPDATE on one row.
      const leasePool = env.MLC_RATE_LIMIT === 'shared' ? createPool(env.DATABASE_URL, { max: 2, applicationName: `${definition.name}-rate-limit`, statementTimeoutMs: 5_000, lockTimeoutMs: 2_000, logger }) : undefined;
      let runtime: ReturnType<typeof createConsumerRuntime> | undefined;
      let consuming = false;

      return {
        migrations: [{ component: 'writer', dir: TARGET_RECORDS_MIGRATIONS }],
        topics: standardTopics({ partitions: env.MLC_TOPIC_PARTITIONS, writerGroups: [definition.name] }),
        readiness: async () => ({ ok: consuming, details: { consuming, connections: connections.map((c) => c.id) } }),
        start: async () => {
          const handlers = new Map<string, EventHandler>();
          for (const connection of connections) {
            const log = logger.child({ connection: connection.id });
            const createLimiter = createRateLimiterFactory({
              mode: env.MLC_RATE_LIMIT,
              db: leasePool ?? pool,
              connection: connection.id,
              target: definition.section,
              fallbackReplicas: env.MLC_RATE_LIMIT_FALLBACK_REPLICAS,
              logger: log,
              metrics: { registry: metrics, writer: definition.name },
            });
            handlers.set(connection.id, await definition.createHandler({ connection, records, syncState, logger: log, metrics, createLimiter }));
          }
          runtime = createConsumerRuntime({
            kafka,
            groupId: namespace.groupId(definition.name),
            topics: definition.topics.map(namespace.topic),
            outcomesTopic: namespace.topic(OUTCOMES_TOPIC),
            codec,
            handler: routeByConnection(handlers, definition.name),
            logger,
            metrics,
            retry: { initialMs: env.MLC_RETRY_INITIAL_MS, maxMs: env.MLC_RETRY_MAX_MS, maxAttempts: env.MLC_RETRY_MAX_ATTEMPTS },
            partitionsConsumedConcurrently: env.MLC_PARTITIONS_CONCURRENCY ?? definition.topics.length * env.MLC_TOPIC_PARTITIONS,
            keyConcurrency: env.MLC_KEY_CONCURRENCY ?? definition.keyConcurrency ?? 1,
            sessionTimeoutMs: env.MLC_KAFKA_SESSION_TIMEOUT_MS,
            heartbeatIntervalMs: env.MLC_KAFKA_HEARTBEAT_MS,
            onStopped: fail,
            // A circuit per connection and this writer's target (its connection section, e.g. coupa).
            outage: {
              target: definition.section,
              circuit: { failureThreshold: env.MLC_CIRCUIT_FAILURE_THRESHOLD, probeInitialMs: env.MLC_CIRCUIT_PROBE_INITIAL_MS, probeMaxMs: env.MLC_CIRCUIT_PROBE_MAX_MS },
              maxParkedPerConnection: env.MLC_PARKING_MAX_PER_CONNECTION,
              drainIntervalMs: env.MLC_PARKING_DRAIN_INTERVAL_MS,
              parking: createParkingStore({ db: pool, group: namespace.groupId(definition.name) }),
            },
            maxRecordBytes: env.MLC_MAX_RECORD_BYTES,
            dlqTruncatedValueBytes: env.MLC_DLQ_TRUNCATED_VALUE_BYTES,
          });
          await runtime.start();
          consuming = true;
          logger.info({ topics: definition.topics, connections: [...handlers.keys()] }, `${definition.name} consuming`);
        },
        stop: async () => {
          consuming = false;
          await runtime?.stop();
          await definition.close?.().catch((err: unknown) => logger.warn({ err }, `${definition.name}: shutdown work failed`));
          await leasePool?.end().catch(() => undefined);
        },
      };
    },
  };
}

/** Runs a writer on the service shell (see `startService`). */
export async function runWriterService<M extends MappingSchemas, V extends Vendor>(definition: WriterDefinition<M, V>, processEnv: NodeJS.ProcessEnv = process.env): Promise<void> {
  await startService(writerService(definition), { processEnv });
}
