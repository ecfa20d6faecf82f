import { Gauge, type Registry } from 'prom-client';
import type { Db } from './store.js';
import type { Logger } from '@mlc/log';

/** The last recorded `mlc reconcile` of one connection and entity, from its operator action. */
export interface ReconcileRun {
  connection: string;
  entity: string;
  at: number;
  compared: { source: number; target: number };
  drift: Record<string, number>;
  published: { republish: number; deactivate: number };
}

/** Details of a `reconcile` action (tools/mlc reconcile.ts) → one run; missing counts are 0. Pure. */
export function runOf(row: { connection: string; entity: string; at: number; details: Record<string, unknown> }): ReconcileRun {
  const n = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const obj = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
  const compared = obj(row.details.compared);
  const drift = obj(row.details.drift);
  const published = obj(row.details.published);
  return {
    connection: row.connection,
    entity: row.entity,
    at: row.at,
    compared: { source: n(compared.source), target: n(compared.target) },
    drift: { 'source-only': n(drift['source-only']), 'target-only': n(drift['target-only']), different: n(drift.different) },
    published: { republish: n(published.republish), deactivate: n(published.deactivate) },
  };
}

// One row per connection and entity (the newest run of the last 30 days): the gauges stay bounded.
const LAST_RUNS = `
  select distinct on (selection->>'connection', selection->>'entityType')
         selection->>'connection' as connection, selection->>'entityType' as entity,
         extract(epoch from at)::float8 as at, jsonb_build_object('compared', details->'compared', 'drift', details->'driftCounts', 'published', details->'published') as details
    from audit_operator_actions
   where kind = 'reconcile' and at > now() - interval '30 days'
   order by selection->>'connection', selection->>'entityType', at desc
   limit 1000`;

/**
 * Gauges of the last reconciliation per connection and entity, read from the audit log when
 * Prometheus scrapes (a scheduled `mlc reconcile` is a short-lived Job no one could scrape):
 * records compared per side, drift found per category, events published to repair it, and when.
 * A failed read leaves the gauges empty for that scrape and is logged.
 */
export function registerReconcileMetrics(registry: Registry, { db, logger }: { db: Pick<Db, 'query'>; logger: Logger }): void {
  let pending: Promise<ReconcileRun[]> | undefined;
  // The four gauges collect in one scrape: one query serves them all.
  const runs = (): Promise<ReconcileRun[]> =>
    (pending ??= db
      .query<{ connection: string; entity: string; at: number; details: Record<string, unknown> }>(LAST_RUNS)
      .then(({ rows }) => rows.map(runOf))
      .catch((err: unknown) => {
        logger.warn({ err }, 'reconcile metrics: the audit log could not be read');
        return [];
      })
      .finally(() => setTimeout(() => (pending = undefined), 1000).unref()));
  /** A gauge whose series are, per run, the values `of` gives under its extra label. */
  // Called as `gauge(registry, '<name>', …)`: how tests/deploy finds the metric names the code defines.
  const gauge = (registers: Registry, name: string, help: string, label: string | undefined, of: (run: ReconcileRun) => Record<string, number>) =>
    new Gauge({
      name,
      help,
      labelNames: label === undefined ? ['connection', 'entity'] : ['connection', 'entity', label],
      registers: [registers],
      async collect() {
        this.reset();
        for (const r of await runs()) {
          for (const [value, count] of Object.entries(of(r))) this.set({ connection: r.connection, entity: r.entity, ...(label === undefined ? {} : { [label]: value }) }, count);
        }
      },
    });
  gauge(registry, 'mlc_reconcile_records_compared', 'Records the last mlc reconcile read, per side (source: the ERP, target: Coupa)', 'side', (r) => r.compared);
  gauge(registry, 'mlc_reconcile_drift_records', 'Records the last mlc reconcile found drifted, per category (source-only, target-only, different)', 'category', (r) => r.drift);
  gauge(registry, 'mlc_reconcile_repaired_records', 'Corrective events the last mlc reconcile --repair published, per action (republish, deactivate)', 'action', (r) => r.published);
  gauge(registry, 'mlc_reconcile_last_run_timestamp_seconds', 'When the last mlc reconcile of the connection and entity ran (Unix seconds)', undefined, (r) => ({ at: r.at }));
}
