import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger } from '@mlc/log';
import { registerReconcileMetrics, runOf } from './reconcile-metrics.js';

test('runOf reads the counts of a reconcile action, missing ones as 0', () => {
  assert.deepEqual(runOf({ connection: 'acme', entity: 'supplier', at: 1700000000, details: { compared: { source: 5, target: 6 }, drift: { 'target-only': 1 }, published: null } }), {
    connection: 'acme',
    entity: 'supplier',
    at: 1700000000,
    compared: { source: 5, target: 6 },
    drift: { 'source-only': 0, 'target-only': 1, different: 0 },
    published: { republish: 0, deactivate: 0 },
  });
});

test('the gauges show the last run per connection and entity, from one query per scrape', async () => {
  const registry = new Registry();
  let queries = 0;
  const db = {
    query: async () => {
      queries += 1;
      return { rows: [{ connection: 'acme', entity: 'supplier', at: 1700000000, details: { compared: { source: 5, target: 6 }, drift: { 'source-only': 1, 'target-only': 2, different: 3 }, published: { republish: 4, deactivate: 2 } } }] };
    },
  } as never;
  registerReconcileMetrics(registry, { db, logger: createLogger({ name: 't', level: 'silent' }) });
  const text = await registry.metrics();
  assert.match(text, /mlc_reconcile_drift_records\{connection="acme",entity="supplier",category="different"\} 3/);
  assert.match(text, /mlc_reconcile_records_compared\{connection="acme",entity="supplier",side="target"\} 6/);
  assert.match(text, /mlc_reconcile_repaired_records\{connection="acme",entity="supplier",action="deactivate"\} 2/);
  assert.match(text, /mlc_reconcile_last_run_timestamp_seconds\{connection="acme",entity="supplier"\} 1700000000/);
  assert.equal(queries, 1);
});

test('an audit log that cannot be read leaves the gauges empty, the scrape still answers', async () => {
  const registry = new Registry();
  const db = { query: async () => Promise.reject(new Error('connection refused')) } as never;
  registerReconcileMetrics(registry, { db, logger: createLogger({ name: 't', level: 'silent' }) });
  assert.doesNotMatch(await registry.metrics(), /mlc_reconcile_drift_records\{/);
});
