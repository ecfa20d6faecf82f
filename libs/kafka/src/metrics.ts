import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RuntimeMetrics {
  handled(topic: string, status: string): void;
  retried(topic: string, code: string): void;
  deadLettered(topic: string, code: string): void;
  handlerSeconds(topic: string, seconds: number): void;
  /** A circuit's state: 0 closed, 1 half-open, 2 open. */
  circuit(connection: string, target: string, value: number): void;
  /** Parked records of a connection (all lanes of the group). */
  parked(connection: string, count: number): void;
  /** Records behind the high watermark of a partition, after a batch. */
  lag(topic: string, partition: number, records: number): void;
  /** The partitions this member now owns: the lag of others is dropped. */
  assigned(assignment: Record<string, number[]>): void;
}

const NOOP: RuntimeMetrics = { handled() {}, retried() {}, deadLettered() {}, handlerSeconds() {}, circuit() {}, parked() {}, lag() {}, assigned() {} };

function gauge(registry: Registry, name: string, help: string, labelNames: string[]): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

// Several runtimes (one per group) may share a registry; the metric is registered once and the
// group is a label.
function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createRuntimeMetrics(registry: Registry | undefined, group: string): RuntimeMetrics {
  if (registry === undefined) return NOOP;
  const messages = counter(registry, 'mlc_consumer_messages_total', 'Messages finished by the consumer runtime, by outcome status', ['group', 'topic', 'status']);
  const retries = counter(registry, 'mlc_consumer_retries_total', 'In-place retries of a handler after a retriable error', ['group', 'topic', 'code']);
  const dead = counter(registry, 'mlc_consumer_dead_lettered_total', 'Messages sent to the DLQ, by error code', ['group', 'topic', 'code']);
  const circuits = gauge(registry, 'mlc_writer_circuit_state', 'Circuit per connection and target: 0 closed, 1 half-open (probing), 2 open (target down; records parked)', ['writer', 'connection', 'target']);
  const parked = gauge(registry, 'mlc_writer_parked_records', 'Records parked in order while their connection\'s target is down (or behind such records)', ['writer', 'connection']);
  const lag = gauge(registry, 'mlc_consumer_lag_records', 'Records behind the end of a partition, as this member saw it after its last batch', ['group', 'topic', 'partition']);
  const reported = new Set<string>();
  const existing = registry.getSingleMetric('mlc_consumer_handler_duration_seconds');
  const duration =
    existing instanceof Histogram
      ? existing
      : new Histogram({
          name: 'mlc_consumer_handler_duration_seconds',
          help: 'Duration of one handler call',
          labelNames: ['group', 'topic'],
          buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        });
  return {
    handled: (topic, status) => messages.inc({ group, topic, status }),
    retried: (topic, code) => retries.inc({ group, topic, code }),
    deadLettered: (topic, code) => dead.inc({ group, topic, code }),
    handlerSeconds: (topic, seconds) => duration.observe({ group, topic }, seconds),
    circuit: (connection, target, value) => circuits.set({ writer: group, connection, target }, value),
    parked: (connection, count) => parked.set({ writer: group, connection }, count),
    lag: (topic, partition, records) => {
      reported.add(`${topic}\u0000${partition}`);
      lag.set({ group, topic, partition: String(partition) }, records);
    },
    assigned: (assignment) => {
      for (const key of [...reported]) {
        const [topic, partition] = key.split('\u0000') as [string, string];
        if (assignment[topic]?.includes(Number(partition))) continue;
        lag.remove({ group, topic, partition });
        reported.delete(key);
      }
    },
  };
}
