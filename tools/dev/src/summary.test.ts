import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, renderSummary } from './summary.js';

const infra = { KAFKA_BROKERS: '127.0.0.1:19092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7', DATABASE_URL: 'postgres://app:s3cret@db:5432/mlc' };

test('the summary lists every service URL and the gateway webhook, never a password', () => {
  const text = renderSummary({
    infra,
    sandbox: { syspro: 'http://127.0.0.1:4010', coupa: 'http://127.0.0.1:4020', infor: 'http://127.0.0.1:4030' },
    connectionsFile: '/repo/.sandbox/connections.json',
    services: [
      { name: 'coupa-gateway', main: 'services/coupa-gateway/src/main.ts', port: 8081 },
      { name: 'syspro-poller', main: 'services/syspro-poller/src/main.ts', port: 8083 },
    ],
    host: '127.0.0.1',
    webhookConnections: ['sandbox'],
    withStackDown: false,
  });
  assert.ok(!text.includes('s3cret'));
  for (const url of ['http://127.0.0.1:8081/readyz', 'http://127.0.0.1:8083/metrics', 'http://127.0.0.1:8081/webhooks/coupa/sandbox', 'http://127.0.0.1:4020']) {
    assert.ok(text.includes(url), url);
  }
  assert.ok(!text.includes('8083/webhooks'));
});

test('redactUrl keeps URLs without a password as they are', () => {
  assert.equal(redactUrl('postgres://postgres@127.0.0.1:5432/mlc'), 'postgres://postgres@127.0.0.1:5432/mlc');
  assert.equal(redactUrl('postgres://u:p@h/db'), 'postgres://u:***@h/db');
  assert.equal(redactUrl('not a url'), 'not a url');
});
