// The Grafana dashboard and the PrometheusRule alerts ask only for metrics the services export.
// Exported names are read from the code: every metric definition in libs/ and services/ (parsed),
// and, so the parser cannot quietly miss a way of defining one, the registries of the shared
// metric factories built for real (their names must all be among the parsed ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { registerHttpMetrics } from '@mlc/http';
import { createRuntimeMetrics } from '@mlc/kafka';
import { createPollerMetrics as inforPollerMetrics } from '@mlc/infor-poller';
import { createPollerMetrics as sysproPollerMetrics } from '@mlc/syspro-poller';
import { readYamlDocuments } from './kustomize.js';

const root = join(import.meta.dirname, '../..');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield path;
  }
}

/** Metric names defined in the code: `name: '…'` in a prom-client constructor, or a helper's `(registry, '…'`. */
function definedMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const top of ['libs', 'services']) {
    for (const file of sources(join(root, top))) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes("from 'prom-client'")) continue;
      for (const [, name] of text.matchAll(/(?:\bname:\s*|\(\s*registry,\s*)'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) names.add(name!);
    }
  }
  return names;
}

function builtMetricNames(): string[] {
  const registry = new Registry();
  registerHttpMetrics(registry);
  createRuntimeMetrics(registry, 'group');
  sysproPollerMetrics({ registry, connection: 'c' });
  inforPollerMetrics({ registry, connection: 'c' });
  return registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name);
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);

/** Metric names in a PromQL expression: identifiers that are neither functions, keywords nor label names. */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map(([, name]) => name!).filter((name) => !PROMQL_WORDS.has(name) && !/^\d/.test(name));
}

function exported(name: string, defined: Set<string>): boolean {
  return defined.has(name) || defined.has(name.replace(/_(bucket|sum|count)$/, ''));
}

const defined = definedMetricNames();

test('the parsed metric definitions include every metric the shared factories register', () => {
  const built = builtMetricNames();
  assert.ok(built.length >= 20, `built ${built.length}`);
  assert.deepEqual(
    built.filter((n) => !defined.has(n)),
    [],
  );
  for (const needed of ['mlc_http_responses_total', 'mlc_http_limiter_wait_seconds', 'mlc_consumer_lag_records']) assert.ok(defined.has(needed), needed);
});

test('the PromQL parser finds metric names and nothing else', () => {
  assert.deepEqual(metricNamesIn('histogram_quantile(0.95, sum by (client, le) (rate(mlc_http_limiter_wait_seconds_bucket{status=~"4.."}[5m])))'), ['mlc_http_limiter_wait_seconds_bucket']);
  assert.deepEqual(metricNamesIn('time() - max by (connection) (a_b) > 1800 or delta(sum by (g) (c_d)[15m:1m]) > 0'), ['a_b', 'c_d']);
});

test('every metric of the Grafana dashboard is exported by a service', () => {
  const dashboard = JSON.parse(readFileSync(join(root, 'deploy/observability/grafana-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  const used = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      const names = metricNamesIn(expr);
      assert.ok(names.length > 0, `${panel.title}: no metric in ${expr}`);
      for (const name of names) {
        assert.ok(exported(name, defined), `dashboard panel "${panel.title}" uses ${name}, which no service exports`);
        used.add(name);
      }
    }
  }
  // What the issue asks the dashboard to show.
  for (const needed of ['mlc_consumer_messages_total', 'mlc_consumer_lag_records', 'mlc_consumer_retries_total', 'mlc_consumer_dead_lettered_total', 'mlc_syspro_last_success_timestamp_seconds', 'mlc_http_responses_total', 'mlc_http_limiter_wait_seconds_bucket']) {
    assert.ok(used.has(needed), `the dashboard shows ${needed}`);
  }
});

test('every metric of the PrometheusRule alerts is exported by a service', () => {
  const [rule] = readYamlDocuments(join(root, 'deploy/k8s/components/monitoring/prometheus-rules.yaml')) as { spec: { groups: { rules: { alert: string; expr: string }[] }[] } }[];
  const alerts = rule!.spec.groups.flatMap((g) => g.rules);
  assert.deepEqual(
    ['MlcConsumerLagGrowing', 'MlcDeadLettersGrowing', 'MlcPollStale', 'MlcCredentialsFailing'].filter((a) => !alerts.some((r) => r.alert === a)),
    [],
  );
  for (const { alert, expr } of alerts) {
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0, `${alert}: no metric`);
    for (const name of names) assert.ok(exported(name, defined), `alert ${alert} uses ${name}, which no service exports`);
  }
});

test('a metric name that no service exports is caught', () => {
  assert.equal(exported('mlc_consumer_lag', defined), false);
  assert.equal(exported('mlc_http_limiter_wait_seconds_count', defined), true);
});
