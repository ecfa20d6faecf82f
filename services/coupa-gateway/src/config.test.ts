import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { connectionsFileSchema, envDocumentationGaps, loadEnv } from '@mlc/config';
import { CoupaMapping } from '@mlc/coupa';
import type { MlcError } from '@mlc/errors';
import { GatewayEnv, gatewayConnections, servedConnections } from './config.js';

const coupa = { url: 'https://acme.coupahost.example', clientId: 'mlc', clientSecret: 's', scopes: ['core.invoice.read'] };

const file = connectionsFileSchema({ mappings: { coupa: CoupaMapping } }).parse({
  allowLiteralSecrets: true,
  connections: [
    { id: 'callouts', coupa: { ...coupa, webhook: { hmacSecret: 'a-hmac-secret-of-16-bytes' } }, mappings: { coupa: { purchaseOrder: { defaultUom: 'EACH' } } } },
    { id: 'polled', coupa: { ...coupa, poll: { intervalSeconds: 60 } } },
    { id: 'writer-only', coupa },
    { id: 'no-coupa' },
  ],
});

test('servedConnections: every connection with call-outs or polling by default, the named ones otherwise', () => {
  assert.deepEqual(servedConnections(file, undefined).map((c) => c.id), ['callouts', 'polled']);
  assert.deepEqual(servedConnections(file, ['polled']).map((c) => c.id), ['polled']);
  assert.equal(servedConnections(file, ['polled'])[0]!.coupa.poll?.intervalSeconds, 60);
  for (const wanted of [['writer-only'], ['no-coupa'], ['missing']]) {
    assert.throws(() => servedConnections(file, wanted), (error: MlcError) => error.code === 'MLC_CONFIG_INVALID', wanted[0]);
  }
});

test('gatewayConnections: the served connections with call-outs, with their parsed mapping', () => {
  const connections = gatewayConnections(servedConnections(file, undefined));
  assert.deepEqual([...connections.keys()], ['callouts']);
  assert.equal(connections.get('callouts')!.mapping.purchaseOrder.defaultUom, 'EACH');
  assert.equal(connections.get('callouts')!.signatureHeader, 'X-Coupa-Signature');
});

test('GatewayEnv: the replaced polling variables are refused, naming their replacement', () => {
  const infra = { KAFKA_BROKERS: '127.0.0.1:19092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081', DATABASE_URL: 'postgres://postgres@127.0.0.1/mlc' };
  assert.equal(loadEnv(infra, GatewayEnv).MLC_CONNECTIONS, undefined);
  assert.throws(
    () => loadEnv({ ...infra, COUPA_POLL_CONNECTIONS: 'acme', COUPA_POLL_INTERVAL_SECONDS: '60' }, GatewayEnv),
    (error: MlcError) =>
      error.code === 'MLC_CONFIG_INVALID' &&
      (error.context.issues as Array<{ path: string }>).map((i) => i.path).join() === 'COUPA_POLL_CONNECTIONS,COUPA_POLL_INTERVAL_SECONDS',
  );
});

test('docs/CONFIGURATION.md documents the publish queue settings with their defaults', () => {
  const doc = readFileSync(new URL('../../../docs/CONFIGURATION.md', import.meta.url), 'utf8');
  const { PUBLISH_QUEUE_MAX_EVENTS, PUBLISH_QUEUE_MAX_BYTES, PUBLISH_TIMEOUT_MS } = GatewayEnv.shape;
  assert.deepEqual(envDocumentationGaps(z.object({ PUBLISH_QUEUE_MAX_EVENTS, PUBLISH_QUEUE_MAX_BYTES, PUBLISH_TIMEOUT_MS }), doc), []);
});
