import { z } from 'zod';
import { readConnections, selectConnections, type Connection, type WithSection } from '@mlc/config';
import { ENTITY_TYPES, topicFor } from '@mlc/events';
import { RecordLimitEnv, createEventProducer, standardTopics } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import { ServiceEnv, type ServiceContext, type ServiceDefinition, type ServiceParts } from '@mlc/service';
import { SysproMapping, sysproODataClientFromSettings } from '@mlc/syspro';
import { planEntities } from './entities.js';
import { MIGRATIONS_DIR, createPgHashStore } from './hash-store.js';
import { CURSOR_TOPIC, POLLER_NAME, REJECT_TOPIC, createKafkaCursorStore, createKafkaPagePublisher } from './kafka-state.js';
import { createConnectionLeaders, createPollLog, type ConnectionWork } from '@mlc/db';
import { createPollerMetrics } from './metrics.js';
import { createPoller, type Poller } from './poller.js';
import { createPgResyncQueue } from './resync.js';

export const PollerEnv = ServiceEnv.extend({
  ...RecordLimitEnv.shape,
  /** How often a standby replica tries to take over. */
  MLC_LEADER_RETRY_MS: z.coerce.number().int().positive().default(5000),
});
export type PollerEnv = z.output<typeof PollerEnv>;

const SERVICE = POLLER_NAME;

/**
 * The pollers of every SYSPRO connection this process serves (all with a `syspro` section, or those
 * MLC_CONNECTIONS names): one leader lock per connection in Postgres, so across replicas each
 * connection has exactly one active poller and a standby replica takes over; a transactional
 * producer per connection that commits each page with its cursor; the OData client. A new
 * connection in the file needs no new Deployment: the next start (a rollout) polls it too.
 */
export async function createSysproPoller(ctx: ServiceContext<PollerEnv>): Promise<ServiceParts> {
  const { env, processEnv, secrets } = ctx;
  const file = await readConnections(env.MLC_CONNECTIONS_FILE, { env: processEnv, mappings: { syspro: SysproMapping }, sections: ['syspro'], store: secrets });
  const connections = selectConnections(file, { wanted: env.MLC_CONNECTIONS, section: 'syspro', service: SERVICE });
  const leaders = createConnectionLeaders({
    service: SERVICE,
    connections,
    databaseUrl: env.DATABASE_URL,
    statementTimeoutMs: env.MLC_DB_STATEMENT_TIMEOUT_MS,
    retryMs: env.MLC_LEADER_RETRY_MS,
    logger: ctx.logger,
    work: (connection, log) => connectionPoller(ctx, connection, log),
  });

  const eventTopics = standardTopics({ partitions: env.MLC_TOPIC_PARTITIONS }).filter((t) =>
    ENTITY_TYPES.some((entity) => t.topic === topicFor('syspro', entity)),
  );
  return {
    migrations: [{ component: SERVICE, dir: MIGRATIONS_DIR }],
    topics: [
      ...eventTopics,
      // Compacted: only the latest cursor per key matters, and it must never expire.
      { topic: CURSOR_TOPIC, partitions: 1, cleanupPolicy: 'compact' as const },
      { topic: REJECT_TOPIC, partitions: env.MLC_TOPIC_PARTITIONS, cleanupPolicy: 'delete' as const, retentionMs: 30 * 24 * 3600 * 1000 },
    ],
    ...leaders,
  };
}

type SysproConnection = WithSection<Connection & { mappings: { syspro: z.output<typeof SysproMapping> } }, 'syspro'>;

/** One connection's work while this replica leads it: its poller. */
function connectionPoller({ env, logger, metrics, pool, kafka, namespace, codec }: ServiceContext<PollerEnv>, connection: SysproConnection, log: Logger): ConnectionWork {
  const mapping = connection.mappings.syspro;
  const { odata, poll } = connection.syspro;
  const cursorTopic = namespace.topic(CURSOR_TOPIC);
  const rejectTopic = namespace.topic(REJECT_TOPIC);

  const gauges = createPollerMetrics({ registry: metrics, connection: connection.id });
  const recordPoll = createPollLog({ db: pool, table: 'syspro_poller_polls', connection: connection.id, logger: log });
  // Every successful poll also goes to syspro_poller_polls, for `mlc status`.
  const pollerMetrics: typeof gauges = { ...gauges, lastSuccess: (entity, at) => (gauges.lastSuccess(entity, at), recordPoll(entity, at)) };
  // One transactional id per connection: a new leader's producer fences a stale one mid-transaction.
  const producer = createEventProducer({ kafka, codec, logger, transactionalId: namespace.transactionalId(SERVICE, connection.id), maxRecordBytes: env.MLC_MAX_RECORD_BYTES });
  const sysproOData = sysproODataClientFromSettings(odata, { logger });

  let poller: Poller | undefined;
  return {
    onStateChange: (state) => pollerMetrics.leader(state),
    status: () => poller?.status() ?? null,
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
          topicOf: (entity) => namespace.topic(topicFor('syspro', entity)),
          group: namespace.groupId(SERVICE),
          maxRecordBytes: env.MLC_MAX_RECORD_BYTES,
        }),
        hashes: createPgHashStore({ db: pool, connection: connection.id }),
        resyncs: createPgResyncQueue({ db: pool, connection: connection.id }),
        mapping,
        entities: planEntities(poll, mapping),
        logger,
        metrics: pollerMetrics,
        pageSize: odata.pageSize,
        overlapMs: Math.round(poll.overlapSeconds * 1000),
        futureSkewMs: Math.round(poll.futureSkewSeconds * 1000),
        changeNumberWindow: poll.changeNumberWindow,
        maxRecordBytes: env.MLC_MAX_RECORD_BYTES,
      });
      await poller.start();
    },
    stop: async () => {
      await poller?.stop();
      poller = undefined;
      await producer.disconnect();
    },
  };
}

export const sysproPoller: ServiceDefinition<typeof PollerEnv> = { name: SERVICE, env: PollerEnv, pool: { max: 3 }, create: createSysproPoller };
