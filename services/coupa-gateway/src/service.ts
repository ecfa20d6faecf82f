import { readConnections } from '@mlc/config';
import { CoupaMapping, coupaClientFromSettings, type CoupaApi, type CoupaExportApi } from '@mlc/coupa';
import { topicFor } from '@mlc/events';
import { createEventProducer, standardTopics } from '@mlc/kafka';
import type { PoolSettings, ServiceContext, ServiceDefinition, ServiceParts } from '@mlc/service';
import { createTargetRecordStore } from '@mlc/writer';
import { buildGatewayApp } from './app.js';
import { createBatchingPublisher } from './batching.js';
import { GatewayEnv, gatewayConnections, servedConnections } from './config.js';
import { createExportPoller } from './export-poller.js';
import { createPublishQueueMetrics } from './metrics.js';
import { GATEWAY_MIGRATIONS } from './migrations.js';
import { createOrderLineIndex, orderLinesOf } from './order-lines.js';
import { COUPA_EVENT_ENTITIES, type GatewayEntity } from './normalize.js';
import { createDeliveryLog, createExpiry, createRejectionLog } from './stores.js';

const SERVICE = 'coupa-gateway';

/**
 * The gateway: Coupa call-outs (and, per connection, polls of Coupa's export flags) turned into
 * coupa.* events, each published before it is answered; delivery and rejection logs in Postgres.
 */
export async function createCoupaGateway({ env, processEnv, logger, metrics, pool, kafka, namespace, codec, server, secrets }: ServiceContext<GatewayEnv>): Promise<ServiceParts> {
  const file = await readConnections(env.MLC_CONNECTIONS_FILE, { env: processEnv, mappings: { coupa: CoupaMapping }, sections: ['coupa'], store: secrets });
  const served = servedConnections(file, env.MLC_CONNECTIONS);
  const connections = gatewayConnections(served);
  if (connections.size === 0) logger.warn('no connection has coupa.webhook configured: every call-out will be answered 404');

  const ownTopics = new Set(Object.values(COUPA_EVENT_ENTITIES).map((entity) => topicFor('coupa', entity)));
  const producer = createEventProducer({ kafka, codec, logger, maxRecordBytes: env.MLC_MAX_RECORD_BYTES });
  const expiry = createExpiry({
    db: pool,
    logger,
    deliveryRetentionMs: env.DEDUP_RETENTION_HOURS * 3_600_000,
    rejectionRetentionMs: env.REJECTION_RETENTION_DAYS * 86_400_000,
    orderLineRetentionMs: env.ORDER_LINE_RETENTION_DAYS * 86_400_000,
    intervalMs: env.EXPIRY_INTERVAL_SECONDS * 1000,
  });
  // Coupa's API, per connection, only to look up PO lines an invoice names that no call-out showed us.
  const coupaApis = new Map<string, CoupaApi & CoupaExportApi>();
  for (const connection of served) coupaApis.set(connection.id, coupaClientFromSettings(connection.coupa, { logger }));
  let producerConnected = false;

  const publish = createBatchingPublisher({
    publishBatch: (topic, events) => producer.publish(topic, events),
    maxQueued: env.PUBLISH_QUEUE_MAX_EVENTS,
    maxQueuedBytes: env.PUBLISH_QUEUE_MAX_BYTES,
    maxRecordBytes: env.MLC_MAX_RECORD_BYTES,
    ...createPublishQueueMetrics(metrics),
  });
  const rejections = createRejectionLog({ db: pool });
  const orderLines = {
    index: createOrderLineIndex({ db: pool }),
    fetchOrderLines: async (connection: string, poNumber: string) => {
      const po = await coupaApis.get(connection)?.findPurchaseOrderByNumber(poNumber);
      return po === undefined ? undefined : orderLinesOf(po);
    },
  };
  const topicOf = (entity: GatewayEntity) => namespace.topic(topicFor('coupa', entity));
  const pollers = served.flatMap(({ id, coupa, mappings }) =>
    coupa.poll === undefined
      ? []
      : [{ intervalSeconds: coupa.poll.intervalSeconds, poller: createExportPoller({ connection: { id, mapping: mappings.coupa }, source: coupaApis.get(id)!, publish, topicOf, rejections, orderLines, logger }) }],
  );

  buildGatewayApp({
    server,
    logger,
    connections,
    publish,
    deliveries: createDeliveryLog({ db: pool }),
    rejections,
    targetRecords: createTargetRecordStore({ db: pool }),
    orderLines,
    topicOf,
    metrics,
    publishTimeoutMs: env.PUBLISH_TIMEOUT_MS,
  });

  return {
    migrations: [{ component: SERVICE, dir: GATEWAY_MIGRATIONS }],
    topics: standardTopics({ partitions: env.MLC_TOPIC_PARTITIONS }).filter((t) => ownTopics.has(t.topic)),
    readiness: async () => ({ ok: producerConnected, details: { kafka: producerConnected ? 'connected' : 'connecting' } }),
    start: async () => {
      await producer.connect();
      producerConnected = true;
      expiry.start();
      // Several replicas may poll one connection: a record is then published twice with one event
      // id before it is flagged; consumers absorb that. Run one replica with polling to avoid it.
      for (const { poller, intervalSeconds } of pollers) poller.start(intervalSeconds * 1000);
    },
    // Close the intake first: fastify's close lets in-flight call-outs finish, and they need the
    // producer and the pool until their Kafka ack is recorded. (runService's own close is then a no-op.)
    stop: async () => {
      await Promise.all(pollers.map(({ poller }) => poller.stop()));
      await server.close();
      await expiry.stop();
      await producer.disconnect();
    },
  };
}

/**
 * The gateway's statements are key lookups and batch statements over arrays (claims, completions,
 * echo checks of the call-outs arriving together): planned once per connection, not per call.
 */
export const GATEWAY_POOL = { genericPlans: true } as const satisfies PoolSettings;

export const coupaGateway: ServiceDefinition<typeof GatewayEnv> = { name: SERVICE, env: GatewayEnv, pool: GATEWAY_POOL, create: createCoupaGateway };
