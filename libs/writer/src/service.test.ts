import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnv } from '@mlc/config';
import { WriterEnv } from './service.js';

const INFRA = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', DATABASE_URL: 'postgres://x@127.0.0.1/db', MLC_CONNECTIONS_FILE: '/tmp/c.json' };

test('WriterEnv: consumer-group session and heartbeat default to 30 s / 3 s and can be set', () => {
  const defaults = loadEnv(INFRA, WriterEnv);
  assert.equal(defaults.MLC_KAFKA_SESSION_TIMEOUT_MS, 30_000);
  assert.equal(defaults.MLC_KAFKA_HEARTBEAT_MS, 3_000);
  const tuned = loadEnv({ ...INFRA, MLC_KAFKA_SESSION_TIMEOUT_MS: '10000', MLC_KAFKA_HEARTBEAT_MS: '2000' }, WriterEnv);
  assert.equal(tuned.MLC_KAFKA_SESSION_TIMEOUT_MS, 10_000);
  assert.equal(tuned.MLC_KAFKA_HEARTBEAT_MS, 2_000);
});

test('WriterEnv: a session below what the broker allows, or a heartbeat too close to it, is refused by name', () => {
  assert.throws(() => loadEnv({ ...INFRA, MLC_KAFKA_SESSION_TIMEOUT_MS: '1000' }, WriterEnv), /MLC_KAFKA_SESSION_TIMEOUT_MS/);
  assert.throws(() => loadEnv({ ...INFRA, MLC_KAFKA_SESSION_TIMEOUT_MS: '9000', MLC_KAFKA_HEARTBEAT_MS: '5000' }, WriterEnv), /MLC_KAFKA_HEARTBEAT_MS.*third/);
});

test('WriterEnv: circuit and parking settings default sensibly, can be compressed for tests, and contradictions are refused by name', () => {
  const defaults = loadEnv(INFRA, WriterEnv);
  assert.equal(defaults.MLC_CIRCUIT_FAILURE_THRESHOLD, 5);
  assert.equal(defaults.MLC_CIRCUIT_PROBE_MAX_MS, 300_000);
  assert.equal(defaults.MLC_PARKING_MAX_PER_CONNECTION, 100_000);
  const compressed = loadEnv({ ...INFRA, MLC_CIRCUIT_FAILURE_THRESHOLD: '2', MLC_CIRCUIT_PROBE_INITIAL_MS: '100', MLC_CIRCUIT_PROBE_MAX_MS: '500', MLC_PARKING_DRAIN_INTERVAL_MS: '50' }, WriterEnv);
  assert.equal(compressed.MLC_CIRCUIT_PROBE_INITIAL_MS, 100);
  assert.equal(compressed.MLC_PARKING_DRAIN_INTERVAL_MS, 50);
  assert.throws(() => loadEnv({ ...INFRA, MLC_CIRCUIT_PROBE_INITIAL_MS: '1000', MLC_CIRCUIT_PROBE_MAX_MS: '500' }, WriterEnv), /MLC_CIRCUIT_PROBE_MAX_MS/);
  assert.throws(() => loadEnv({ ...INFRA, MLC_CIRCUIT_FAILURE_THRESHOLD: '6', MLC_RETRY_MAX_ATTEMPTS: '5' }, WriterEnv), /MLC_CIRCUIT_FAILURE_THRESHOLD/);
});

test('docs/CONFIGURATION.md documents every retry, circuit, parking and rate-limit setting of the writers with its default', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/CONFIGURATION.md'), 'utf8');
  const defaults = loadEnv(INFRA, WriterEnv) as Record<string, unknown>;
  const keys = Object.keys(WriterEnv.shape).filter((k) => /^MLC_(RETRY|CIRCUIT|PARKING|RATE_LIMIT)(_|$)/.test(k));
  assert.ok(keys.length >= 10);
  for (const key of keys) assert.match(doc, new RegExp(`\\| \`${key}\` \\| \`${String(defaults[key])}\` \\|`), `${key} with its default`);
});

test('WriterEnv: vendor limits are shared across replicas by default; local mode and the fallback share can be set, anything else is refused', () => {
  const defaults = loadEnv(INFRA, WriterEnv);
  assert.equal(defaults.MLC_RATE_LIMIT, 'shared');
  assert.equal(defaults.MLC_RATE_LIMIT_FALLBACK_REPLICAS, 3);
  const local = loadEnv({ ...INFRA, MLC_RATE_LIMIT: 'local', MLC_RATE_LIMIT_FALLBACK_REPLICAS: '6' }, WriterEnv);
  assert.equal(local.MLC_RATE_LIMIT, 'local');
  assert.equal(local.MLC_RATE_LIMIT_FALLBACK_REPLICAS, 6);
  assert.throws(() => loadEnv({ ...INFRA, MLC_RATE_LIMIT: 'per-replica' }, WriterEnv), /MLC_RATE_LIMIT/);
  assert.throws(() => loadEnv({ ...INFRA, MLC_RATE_LIMIT_FALLBACK_REPLICAS: '0' }, WriterEnv), /MLC_RATE_LIMIT_FALLBACK_REPLICAS/);
});

test('WriterEnv: MLC_KEY_CONCURRENCY is unset unless given (then the writer default applies), a whole number from 1 to 256, and misspelt it is named', () => {
  assert.equal(loadEnv(INFRA, WriterEnv).MLC_KEY_CONCURRENCY, undefined);
  assert.equal(loadEnv({ ...INFRA, MLC_KEY_CONCURRENCY: '32' }, WriterEnv).MLC_KEY_CONCURRENCY, 32);
  for (const bad of ['0', '257', '2.5', 'many']) assert.throws(() => loadEnv({ ...INFRA, MLC_KEY_CONCURRENCY: bad }, WriterEnv), /MLC_KEY_CONCURRENCY/, bad);
  assert.throws(() => loadEnv({ ...INFRA, MLC_KEYS_CONCURRENCY: '8' }, WriterEnv), /MLC_KEY_CONCURRENCY/);
});
