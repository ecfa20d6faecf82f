import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LeaderState } from '@mlc/db';
import type { PollerMetrics } from './ports.js';

export interface InforPollerMetrics extends PollerMetrics {
  leader(state: LeaderState): void;
}

// A process polls several connections, each with its own metrics object over the same series.
function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Prometheus metrics of one connection's supplier poller, labelled by connection. */
export function createPollerMetrics({ registry, connection }: { registry: Registry; connection: string }): InforPollerMetrics {
  const registers = [registry];
  const labelNames = ['connection'];
  const polls = once(registry, 'mlc_infor_polls_total', () => new Counter({ name: 'mlc_infor_polls_total', help: 'Finished supplier polls by status (ok, failed, stopped)', labelNames: [...labelNames, 'status'], registers }));
  const failures = once(registry, 'mlc_infor_poll_failures_total', () => new Counter({ name: 'mlc_infor_poll_failures_total', help: 'Failed supplier polls by error code', labelNames: [...labelNames, 'code'], registers }));
  const duration = once(registry, 'mlc_infor_poll_duration_seconds', () => new Histogram({ name: 'mlc_infor_poll_duration_seconds', help: 'Duration of one supplier poll', labelNames, buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 1800], registers }));
  const read = once(registry, 'mlc_infor_records_read_total', () => new Counter({ name: 'mlc_infor_records_read_total', help: 'Supplier records read from the M3 change list', labelNames, registers }));
  const events = once(registry, 'mlc_infor_events_published_total', () => new Counter({ name: 'mlc_infor_events_published_total', help: 'Supplier events committed to Kafka', labelNames, registers }));
  const unchanged = once(registry, 'mlc_infor_records_unchanged_total', () => new Counter({ name: 'mlc_infor_records_unchanged_total', help: 'Suppliers read again with the content hash last published, not republished', labelNames, registers }));
  const rejected = once(registry, 'mlc_infor_records_rejected_total', () => new Counter({ name: 'mlc_infor_records_rejected_total', help: 'Supplier records the mapping could not handle (sent to the reject topic)', labelNames: [...labelNames, 'code'], registers }));
  const future = once(registry, 'mlc_infor_future_records_total', () => new Counter({
    name: 'mlc_infor_future_records_total',
    help: 'Supplier records read whose change timestamp (LMTS) lies past now + the allowed skew; counted at every poll that reads them',
    labelNames,
    registers,
  }));
  const lastSuccess = once(registry, 'mlc_infor_last_success_timestamp_seconds', () => new Gauge({ name: 'mlc_infor_last_success_timestamp_seconds', help: 'End of the last successful supplier poll (Unix time)', labelNames, registers }));
  const leader = once(registry, 'mlc_infor_poller_leader', () => new Gauge({ name: 'mlc_infor_poller_leader', help: '1 while this replica holds the connection lock and polls', labelNames, registers }));
  leader.set({ connection }, 0);
  return {
    pollFinished: (status, seconds) => {
      polls.inc({ connection, status });
      duration.observe({ connection }, seconds);
    },
    pollFailed: (code) => failures.inc({ connection, code }),
    recordsRead: (count) => read.inc({ connection }, count),
    published: (count) => events.inc({ connection }, count),
    unchanged: (count) => unchanged.inc({ connection }, count),
    rejected: (code) => rejected.inc({ connection, code }),
    futureRecords: (count) => future.inc({ connection }, count),
    lastSuccess: (at) => lastSuccess.set({ connection }, at.getTime() / 1000),
    leader: (state) => leader.set({ connection }, state === 'leader' ? 1 : 0),
  };
}
