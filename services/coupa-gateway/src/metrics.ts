import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type WebhookOutcome =
  | 'published'
  | 'duplicate'
  | 'in-progress'
  | 'echo'
  | 'stale'
  | 'unauthorized'
  | 'too-large'
  | 'bad-request'
  | 'unmappable'
  | 'unavailable'
  | 'error'
  | 'token-issued'
  | 'token-refused';

export interface GatewayMetrics {
  request(connection: string, outcome: WebhookOutcome): void;
  authFailure(connection: string, reason: string): void;
  /** Seconds from the call-out arriving to Kafka's ack, per entity. */
  published(entity: string, seconds: number): void;
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const requests = metric(
    registry,
    'coupa_gateway_requests_total',
    () => new Counter({ name: 'coupa_gateway_requests_total', help: 'Coupa call-outs and token requests by outcome', labelNames: ['connection', 'outcome'], registers: [registry] }),
  );
  const authFailures = metric(
    registry,
    'coupa_gateway_auth_failures_total',
    () =>
      new Counter({ name: 'coupa_gateway_auth_failures_total', help: 'Refused credentials (401) by reason', labelNames: ['connection', 'reason'], registers: [registry] }),
  );
  const latency = metric(
    registry,
    'coupa_gateway_publish_seconds',
    () =>
      new Histogram({
        name: 'coupa_gateway_publish_seconds',
        help: 'From call-out received to Kafka ack',
        labelNames: ['entity'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  );
  return {
    request: (connection, outcome) => requests.inc({ connection, outcome }),
    authFailure: (connection, reason) => authFailures.inc({ connection, reason }),
    published: (entity, seconds) => latency.observe({ entity }, seconds),
  };
}

/** The publish queue (see createBatchingPublisher): what it holds, and what it dropped because the caller gave up. */
export function createPublishQueueMetrics(registry: Registry) {
  const events = metric(registry, 'coupa_gateway_publish_queue_events', () => new Gauge({ name: 'coupa_gateway_publish_queue_events', help: 'Events waiting for Kafka (queued or in a send)', registers: [registry] }));
  const bytes = metric(registry, 'coupa_gateway_publish_queue_bytes', () => new Gauge({ name: 'coupa_gateway_publish_queue_bytes', help: 'Bytes (events as JSON) waiting for Kafka', registers: [registry] }));
  const dropped = metric(
    registry,
    'coupa_gateway_publish_dropped_total',
    () => new Counter({ name: 'coupa_gateway_publish_dropped_total', help: 'Events dropped from the publish queue because their caller gave up before they were sent', labelNames: ['topic'], registers: [registry] }),
  );
  return {
    onChange: (state: { events: number; bytes: number }) => {
      events.set(state.events);
      bytes.set(state.bytes);
    },
    onDropped: (topic: string) => dropped.inc({ topic }),
  };
}
