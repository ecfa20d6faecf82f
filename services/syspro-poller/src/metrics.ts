import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LeaderState } from '@mlc/db';
import type { PollerMetrics } from './ports.js';

export interface SysproPollerMetrics extends PollerMetrics {
  leader(state: LeaderState): void;
}

// A process polls several connections, each with its own metrics object over the same series.
function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Prometheus metrics of one connection's poller, labelled by connection and entity. */
export function createPollerMetrics({ registry, connection }: { registry: Registry; connection: string }): SysproPollerMetrics {
  const registers = [registry];
  const polls = once(registry, 'mlc_syspro_polls_total', () => new Counter({ name: 'mlc_syspro_polls_total', help: 'Finished polls by status (ok, failed, stopped)', labelNames: ['connection', 'entity', 'status'], registers }));
  const failures = once(registry, 'mlc_syspro_poll_failures_total', () => new Counter({ name: 'mlc_syspro_poll_failures_total', help: 'Failed polls by error code', labelNames: ['connection', 'entity', 'code'], registers }));
  const duration = once(registry, 'mlc_syspro_poll_duration_seconds', () => new Histogram({
    name: 'mlc_syspro_poll_duration_seconds',
    help: 'Duration of one poll of an entity',
    labelNames: ['connection', 'entity'],
    buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 1800],
    registers,
  }));
  const rows = once(registry, 'mlc_syspro_rows_read_total', () => new Counter({ name: 'mlc_syspro_rows_read_total', help: 'Changed rows read from SYSPRO OData', labelNames: ['connection', 'entity', 'stream'], registers }));
  const events = once(registry, 'mlc_syspro_events_published_total', () => new Counter({ name: 'mlc_syspro_events_published_total', help: 'Events committed to Kafka', labelNames: ['connection', 'entity'], registers }));
  const unchanged = once(registry, 'mlc_syspro_records_unchanged_total', () => new Counter({ name: 'mlc_syspro_records_unchanged_total', help: 'Records read again with the content hash last published, not republished', labelNames: ['connection', 'entity'], registers }));
  const rejected = once(registry, 'mlc_syspro_rows_rejected_total', () => new Counter({ name: 'mlc_syspro_rows_rejected_total', help: 'Rows the mapping could not handle (sent to the reject topic)', labelNames: ['connection', 'entity', 'code'], registers }));
  const future = once(registry, 'mlc_syspro_future_rows_total', () => new Counter({
    name: 'mlc_syspro_future_rows_total',
    help: 'Rows read whose change date lies past now + the allowed skew (a typo such as year 2099); counted at every poll that reads them',
    labelNames: ['connection', 'entity', 'stream'],
    registers,
  }));
  const lastSuccess = once(registry, 'mlc_syspro_last_success_timestamp_seconds', () => new Gauge({ name: 'mlc_syspro_last_success_timestamp_seconds', help: 'End of the last successful poll (Unix time)', labelNames: ['connection', 'entity'], registers }));
  const leader = once(registry, 'mlc_syspro_poller_leader', () => new Gauge({ name: 'mlc_syspro_poller_leader', help: '1 while this replica holds the connection lock and polls', labelNames: ['connection'], registers }));
  leader.set({ connection }, 0);
  return {
    pollFinished: (entity, status, seconds) => {
      polls.inc({ connection, entity, status });
      duration.observe({ connection, entity }, seconds);
    },
    pollFailed: (entity, code) => failures.inc({ connection, entity, code }),
    rowsRead: (entity, stream, count) => rows.inc({ connection, entity, stream }, count),
    published: (entity, count) => events.inc({ connection, entity }, count),
    unchanged: (entity, count) => unchanged.inc({ connection, entity }, count),
    rejected: (entity, code) => rejected.inc({ connection, entity, code }),
    futureRows: (entity, stream, count) => future.inc({ connection, entity, stream }, count),
    lastSuccess: (entity, at) => lastSuccess.set({ connection, entity }, at.getTime() / 1000),
    leader: (state) => leader.set({ connection }, state === 'leader' ? 1 : 0),
  };
}
