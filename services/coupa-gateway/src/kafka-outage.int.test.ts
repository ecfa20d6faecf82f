import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { Secret } from '@mlc/config';
import { DEFAULT_COUPA_MAPPING } from '@mlc/coupa';
import { createPool, migrate } from '@mlc/db';
import { createRegistryCodec, decodeEvent, type CanonicalEvent } from '@mlc/events';
import { createEventProducer } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { createTestTopics, testInfra, uniqueName, waitFor } from '@mlc/testing';
import { createTargetRecordStore, TARGET_RECORDS_MIGRATIONS } from '@mlc/writer';
import { buildGatewayApp } from './app.js';
import { createBatchingPublisher } from './batching.js';
import { GATEWAY_MIGRATIONS } from './migrations.js';
import { createPublishQueueMetrics } from './metrics.js';
import { createDeliveryLog, createRejectionLog } from './stores.js';

const logger = createLogger({ name: 'coupa-gateway-outage', level: 'silent' });
const HMAC = 'outage-hmac-secret';
const SUPPLIER = JSON.parse(readFileSync(new URL('../../../libs/coupa/test/fixtures/inbound/supplier.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** A port nothing listens on: Kafka unreachable. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('Kafka unreachable: the publish queue is bounded by count and bytes (503 beyond), drops a call-out whose caller left, and once Kafka is back publishes what waited exactly once', async (t) => {
  const infra = testInfra();
  const suffix = uniqueName('gw-outage');
  const topic = `coupa.suppliers.v1-${suffix}`;
  const connectionId = uniqueName('outage');
  const pool = createPool(infra.databaseUrl, { max: 4 });
  await migrate(pool, { component: 'coupa-gateway', dir: GATEWAY_MIGRATIONS });
  await pool.query(readFileSync(new URL('001_target_records.sql', TARGET_RECORDS_MIGRATIONS), 'utf8'));

  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: (name) => name.replace(`-${suffix}`, '') });
  const live = new Kafka({ clientId: suffix, brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = live.admin();
  await admin.connect();
  await createTestTopics(admin, [topic]);
  const liveProducer = createEventProducer({ kafka: live, codec, logger });
  await liveProducer.connect();
  // The gateway's producer, pointed at a closed port: every send fails (retriable) until Kafka is "back".
  const dead = new Kafka({ clientId: `${suffix}-dead`, brokers: [`127.0.0.1:${await closedPort()}`], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });
  const deadProducer = createEventProducer({ kafka: dead, codec, logger });
  await assert.rejects(deadProducer.connect());
  let kafkaBack = false;
  const sends: number[] = [];

  const metrics = new Registry();
  const MAX_QUEUED = 3;
  const MAX_BYTES = 64 * 1024;
  const publish = createBatchingPublisher({
    publishBatch: (topicName, events) => {
      sends.push(events.length);
      return (kafkaBack ? liveProducer : deadProducer).publish(topicName, events);
    },
    maxQueued: MAX_QUEUED,
    maxQueuedBytes: MAX_BYTES,
    retry: { initialMs: 50, maxMs: 200 },
    ...createPublishQueueMetrics(metrics),
  });
  const app = buildGatewayApp({
    logger,
    connections: new Map([
      [connectionId, { id: connectionId, hmacSecret: new Secret(HMAC), signatureHeader: 'X-Coupa-Signature', oauthClients: [], tokenTtlSeconds: 3600, maxBodyBytes: 256 * 1024, mapping: DEFAULT_COUPA_MAPPING }],
    ]),
    publish,
    deliveries: createDeliveryLog({ db: pool }),
    rejections: createRejectionLog({ db: pool }),
    targetRecords: createTargetRecordStore({ db: pool }),
    topicOf: () => topic,
    metrics,
    // Callers wait long: what ends their wait here is the queue bound, an abort, or Kafka coming back.
    publishTimeoutMs: 120_000,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/webhooks/coupa/${connectionId}`;

  const seen: CanonicalEvent[] = [];
  const consumer = live.consumer({ groupId: uniqueName('gw-outage-test') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(await decodeEvent(codec, topic, message.value)) });

  t.after(async () => {
    await app.close();
    await consumer.disconnect();
    await liveProducer.disconnect();
    await deadProducer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await pool.query('delete from coupa_gateway_deliveries where connection = $1', [connectionId]);
    await pool.end();
  });

  const post = (number: string, { padding = 0, signal }: { padding?: number; signal?: AbortSignal } = {}) => {
    const body = JSON.stringify({ ...SUPPLIER, number, name: `Supplier ${number}`, ...(padding > 0 ? { 'custom-notes': 'x'.repeat(padding) } : {}) });
    return fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-coupa-event-id': `evt-${number}`,
        'x-coupa-event-type': 'supplier.updated',
        'x-coupa-signature': createHmac('sha256', HMAC).update(body).digest('hex'),
      },
      ...(signal ? { signal } : {}),
    });
  };
  const claim = async (number: string) =>
    (await pool.query<{ outcome: string }>('select outcome from coupa_gateway_deliveries where connection = $1 and coupa_event_id = $2', [connectionId, `evt-${number}`])).rows[0]?.outcome;
  const gauge = async (name: string) => (await metrics.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;

  // Kafka away: three call-outs wait in the queue, each holding a pending claim.
  const waiting = [post('Q1'), post('Q2')];
  const leaving = new AbortController();
  const left = post('Q3', { signal: leaving.signal }).catch((error: unknown) => error);
  await waitFor(() => publish.state().events === MAX_QUEUED, { message: 'three call-outs queued' });
  assert.ok(sends.length >= 1, 'sends were tried and failed');
  assert.equal(await gauge('coupa_gateway_publish_queue_events'), MAX_QUEUED);
  assert.equal(await claim('Q1'), 'pending');

  // Full by count: the next call-out is answered 503 with Retry-After at once, its claim released.
  const refused = await post('R1');
  assert.equal(refused.status, 503);
  assert.ok(refused.headers.get('retry-after'));
  assert.equal(((await refused.json()) as { error: string }).error, 'unavailable');
  assert.equal(await claim('R1'), undefined);

  // The caller of Q3 gives up: its event is dropped from the queue and its claim released, so
  // Coupa's retry will be taken.
  leaving.abort();
  assert.ok((await left) instanceof Error);
  await waitFor(async () => publish.state().events === MAX_QUEUED - 1 && (await claim('Q3')) === undefined, { message: 'Q3 dropped and released' });
  assert.equal(await gauge('coupa_gateway_publish_dropped_total'), 1);

  // Full by bytes: with room for one more call-out by count, a big one does not fit the bytes bound.
  const big = await post('B1', { padding: MAX_BYTES });
  assert.equal(big.status, 503);
  assert.equal(await claim('B1'), undefined);
  assert.equal(publish.state().events, MAX_QUEUED - 1);
  assert.ok(publish.state().bytes < MAX_BYTES);

  // Kafka back: what waited is published and answered 200; Coupa's retries of the refused and
  // the dropped call-outs are taken now.
  kafkaBack = true;
  const answers = await Promise.all(waiting);
  assert.deepEqual(answers.map((r) => r.status), [200, 200]);
  for (const number of ['R1', 'Q3', 'B1']) {
    const retry = await post(number, { padding: number === 'B1' ? MAX_BYTES / 2 : 0 });
    assert.equal(retry.status, 200, `Coupa's retry of ${number}`);
    assert.equal(((await retry.json()) as { status: string }).status, 'published');
  }
  // A retry of a call-out already published is a duplicate, not a second event.
  const again = await post('Q1');
  assert.equal(((await again.json()) as { status: string }).status, 'duplicate');
  // A sentinel last: once it is on the (one-partition) topic, so is everything before it.
  assert.equal((await post('Z9')).status, 200);
  await waitFor(() => seen.some((e) => e.entity.key === 'Z9'), { message: 'sentinel on Kafka' });

  const counts = new Map<string, number>();
  for (const e of seen) counts.set(e.entity.key, (counts.get(e.entity.key) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries([...counts].sort()), { B1: 1, Q1: 1, Q2: 1, Q3: 1, R1: 1, Z9: 1 }, 'every call-out published exactly once');
  assert.deepEqual(publish.state(), { events: 0, bytes: 0 });
});
