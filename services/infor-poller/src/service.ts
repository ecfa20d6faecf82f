import { z } from 'zod';
import { readConnections, selectConnections, type Connection, type WithSection } from '@mlc/config';
import { createConnectionLeaders, createPollLog, type ConnectionWork } from '@mlc/db';
import { InforMapping, createSupplierChangeReader, m3ClientFromSettings, type M3Client } from '@mlc/infor';
import { RecordLimitEnv, createEventProducer, standardTopics } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import { ServiceEnv, type ServiceContext, type ServiceDefinition, type ServiceParts } from '@mlc/service';
import { MIGRATIONS_DIR, createPgHashStore } from './hash-store.js';
import { CURSOR_TOPIC, EVENT_TOPIC, POLLER_NAME, REJECT_TOPIC, createKafkaCursorStore, createKafkaPagePublisher } from './kafka-state.js';
import { createPollerMetrics } from './metrics.js';
import { createPoller, type Poller } from './poller.js';

export const PollerEnv = ServiceEnv.extend({
  ...RecordLimitEnv.shape,
  /** How often a standby replica tries to take over. */
  MLC_LEADER_RETRY_MS: z.coerce.number().int().positive().default(5000),
});
export type PollerEnv = z.output<typeof PollerEnv>;

/**
 * The supplier pollers of every M3 connection this process serves (all with an `infor` section, or
 * those MLC_CONNECTIONS names): one leader lock per connection in Postgres, so across replicas each
 * connection has exactly one active poller and a standby replica takes over; a transactional
 * producer per connection that commits each page with its cursor; the MI client through ION. A new
 * connection in the file needs no new Deployment: the next start (a rollout) polls it too.
 */
export async function createInforPoller(ctx: ServiceContext<PollerEnv>): Promise<ServiceParts> {
  const { env, processEnv, secrets } = ctx;
  const file = await readConnections(env.MLC_CONNECTIONS_FILE, { env: processEnv, mappings: { infor: InforMapping }, sections: ['infor'], store: secrets });
  const connections = selectConnections(file, { wanted: env.MLC_CONNECTIONS, section: 'infor', service: POLLER_NAME });
  const leaders = createConnectionLeaders({
    service: POLLER_NAME,
    connections,
    databaseUrl: env.DATABASE_URL,
    statementTimeoutMs: env.MLC_DB_STATEMENT_TIMEOUT_MS,
    retryMs: env.MLC_LEADER_RETRY_MS,
    logger: ctx.logger,
    work: (connection, log) => connectionPoller(ctx, connection, log),
  });

  return {
    migrations: [{ component: POLLER_NAME, dir: MIGRATIONS_DIR }],
    topics: [
      ...standardTopics({ partitions: env.MLC_TOPIC_PARTITIONS }).filter((t) => t.topic === EVENT_TOPIC),
      // Compacted: only the latest cursor per key matters, and it must never expire.
      { topic: CURSOR_TOPIC, partitions: 1, cleanupPolicy: 'compact' as const },
      { topic: REJECT_TOPIC, partitions: env.MLC_TOPIC_PARTITIONS, cleanupPolicy: 'delete' as const, retentionMs: 30 * 24 * 3600 * 1000 },
    ],
    ...leaders,
  };
}

type InforConnection = WithSection<Connection & { mappings: { infor: z.output<typeof InforMapping> } }, 'infor'>;

/** One connection's work while this replica leads it: its poller and its ION session. */
function connectionPoller({ env, logger, metrics, pool, kafka, namespace, codec }: ServiceContext<PollerEnv>, connection: InforConnection, log: Logger): ConnectionWork {
  const mapping = connection.mappings.infor;
  const { poll } = connection.infor;
  const gauges = createPollerMetrics({ registry: metrics, connection: connection.id });
  const recordPoll = createPollLog({ db: pool, table: 'infor_poller_polls', connection: connection.id, logger: log });
  // Every successful poll also goes to infor_poller_polls, for `mlc status`.
  const pollerMetrics: typeof gauges = { ...gauges, lastSuccess: (at) => (gauges.lastSuccess(at), recordPoll('supplier', at)) };
  // One transactional id per connection: a new leader's producer fences a stale one mid-transaction.
  const producer = createEventProducer({ kafka, codec, logger, transactionalId: namespace.transactionalId(POLLER_NAME, connection.id), maxRecordBytes: env.MLC_MAX_RECORD_BYTES });

  let m3: M3Client | undefined;
  let poller: Poller | undefined;
  return {
    onStateChange: (state) => pollerMetrics.leader(state),
    status: () => poller?.status() ?? null,
    // Only the leader connects the producer (initialising the transactional id fences whoever held it) and logs on to ION.
    start: async () => {
      await producer.connect();
      m3 = m3ClientFromSettings(connection.infor, { logger: log });
      poller = createPoller({
        connection: connection.id,
        reader: createSupplierChangeReader({ m3, transaction: mapping.transactions.listChangedSuppliers }),
        cursors: createKafkaCursorStore({ kafka, connection: connection.id, logger: log, cursorTopic: namespace.topic(CURSOR_TOPIC) }),
        publisher: createKafkaPagePublisher({
          producer,
          connection: connection.id,
          group: namespace.groupId(POLLER_NAME),
          cursorTopic: namespace.topic(CURSOR_TOPIC),
          rejectTopic: namespace.topic(REJECT_TOPIC),
          eventTopic: namespace.topic(EVENT_TOPIC),
          maxRecordBytes: env.MLC_MAX_RECORD_BYTES,
        }),
        hashes: createPgHashStore({ db: pool, connection: connection.id }),
        mapping,
        logger: log,
        metrics: pollerMetrics,
        pageSize: poll.pageSize,
        overlapMs: Math.round(poll.overlapSeconds * 1000),
        futureSkewMs: Math.round(poll.futureSkewSeconds * 1000),
        intervalMs: Math.round(poll.intervalSeconds * 1000),
        maxRecordBytes: env.MLC_MAX_RECORD_BYTES,
      });
      await poller.start();
    },
    stop: async () => {
      await poller?.stop();
      poller = undefined;
      await m3?.close().catch((error: unknown) => log.warn({ err: error }, 'ION token revoke failed'));
      m3 = undefined;
      await producer.disconnect();
    },
  };
}

export const inforPoller: ServiceDefinition<typeof PollerEnv> = { name: POLLER_NAME, env: PollerEnv, pool: { max: 3 }, create: createInforPoller };
