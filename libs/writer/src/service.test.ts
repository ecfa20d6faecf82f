import { test } from 'node:test';
import assert from 'node:assert/strict';
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
