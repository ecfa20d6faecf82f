import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { Secret } from '@mlc/config';
import { DEFAULT_COUPA_MAPPING, createCoupaClient, toCanonicalSupplier } from '@mlc/coupa';
import { createPool, migrate } from '@mlc/db';
import { contentHashOf, createRegistryCodec, decodeEvent, type CanonicalEvent } from '@mlc/events';
import { createEventProducer } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { startCoupaSimulator, type CoupaCalloutDelivery } from '@mlc/sandbox';
import { createTestTopics, testInfra, uniqueName, waitFor } from '@mlc/testing';
import { createTargetRecordStore, TARGET_RECORDS_MIGRATIONS } from '@mlc/writer';
import { buildGatewayApp, type GatewayConnection } from './app.js';
import { createBatchingPublisher } from './batching.js';
import { createExportPoller } from './export-poller.js';
import { createOrderLineIndex, orderLinesOf } from './order-lines.js';
import { GATEWAY_MIGRATIONS } from './migrations.js';
import type { GatewayEntity } from './normalize.js';
import { createDeliveryLog, createExpiry, createRejectionLog } from './stores.js';

const logger = createLogger({ name: 'coupa-gateway-int', level: 'silent' });
const HMAC = 'int-hmac-secret';
const CLIENT = { clientId: 'coupa-int', clientSecret: 'int-client-secret' };

type Auth = 'hmac' | 'oauth2';

/** Real Kafka, registry and Postgres, a Coupa simulator, and the gateway on port 0, all per test. */
async function setup(t: TestContext, auth: Auth) {
  const infra = testInfra();
  const suffix = uniqueName('gw');
  const topics: Record<GatewayEntity, string> = {
    supplier: `coupa.suppliers.v1-${suffix}`,
    'purchase-order': `coupa.purchase-orders.v1-${suffix}`,
    invoice: `coupa.invoices.v1-${suffix}`,
  };
  const connectionId = uniqueName('acme');
  const pool = createPool(infra.databaseUrl, { max: 4 });
  await migrate(pool, { component: 'coupa-gateway', dir: GATEWAY_MIGRATIONS });
  await pool.query(readFileSync(new URL('001_target_records.sql', TARGET_RECORDS_MIGRATIONS), 'utf8'));

  const kafka = new Kafka({ clientId: suffix, brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createTestTopics(admin, Object.values(topics));
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: (name) => name.replace(`-${suffix}`, '') });
  const producer = createEventProducer({ kafka, codec, logger });
  await producer.connect();

  const seen: { topic: string; event: CanonicalEvent }[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('gw-test') });
  await consumer.connect();
  await consumer.subscribe({ topics: Object.values(topics), fromBeginning: true });
  await consumer.run({ eachMessage: async ({ topic, message }) => void seen.push({ topic, event: await decodeEvent(codec, topic, message.value) }) });

  const connection: GatewayConnection = {
    id: connectionId,
    hmacSecret: auth === 'hmac' ? new Secret(HMAC) : undefined,
    signatureHeader: 'X-Coupa-Signature',
    oauthClients: auth === 'oauth2' ? [{ clientId: CLIENT.clientId, clientSecret: new Secret(CLIENT.clientSecret) }] : [],
    tokenTtlSeconds: 3600,
    maxBodyBytes: 256 * 1024,
    mapping: DEFAULT_COUPA_MAPPING,
  };
  const sim = await startCoupaSimulator({ seed: 7, callouts: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 30_000 } });
  const coupaApi = createCoupaClient({ url: sim.url, clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret, scopes: sim.credentials.scopes, logger });
  const targetRecords = createTargetRecordStore({ db: pool });
  const gateway = (metrics = new Registry()) =>
    buildGatewayApp({
      logger,
      connections: new Map([[connectionId, connection]]),
      publish: createBatchingPublisher({ publishBatch: (topic, events) => producer.publish(topic, events) }),
      deliveries: createDeliveryLog({ db: pool }),
      rejections: createRejectionLog({ db: pool }),
      targetRecords,
      orderLines: {
        index: createOrderLineIndex({ db: pool }),
        fetchOrderLines: async (_connection, poNumber) => {
          const po = await coupaApi.findPurchaseOrderByNumber(poNumber);
          return po === undefined ? undefined : orderLinesOf(po);
        },
      },
      topicOf: (entity) => topics[entity],
      metrics,
    });
  const metrics = new Registry();
  const app = gateway(metrics);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/webhooks/coupa/${connectionId}`;

  const admin$ = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sim.url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} ${path} answered ${res.status}: ${await res.clone().text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  await admin$('POST', '/callouts', {
    url: base,
    auth: auth === 'hmac' ? { type: 'hmac', secret: HMAC } : { type: 'oauth2', tokenUrl: `${base}/oauth/token`, ...CLIENT },
  });

  t.after(async () => {
    await sim.close();
    await app.close();
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    await pool.query('delete from coupa_gateway_deliveries where connection = $1', [connectionId]);
    await pool.query('delete from coupa_gateway_rejections where connection = $1', [connectionId]);
    await pool.query('delete from mlc_target_records where connection = $1', [connectionId]);
    await pool.query('delete from coupa_gateway_order_lines where connection = $1', [connectionId]);
    await pool.end();
  });

  const deliveries = () => admin$<CoupaCalloutDelivery[]>('GET', '/callouts/deliveries');
  const settled = (eventId: string, count = 1) =>
    waitFor(
      async () => {
        const mine = (await deliveries()).filter((d) => d.eventId === eventId);
        return mine.length === count && mine.every((d) => d.status === 'delivered' || d.status === 'failed') ? mine : undefined;
      },
      { message: `deliveries of ${eventId} settled` },
    );
  const lastDelivery = async () => (await deliveries()).at(-1)!;
  const eventsFor = (key: string) => seen.filter((s) => s.event.entity.key === key).map((s) => s.event);
  const metric = async (name: string, labels: Record<string, string>) =>
    ((await metrics.getSingleMetric(name)?.get())?.values ?? []).find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;
  return { sim, admin: admin$, pool, publishBatch: (topic: string, events: readonly CanonicalEvent[]) => producer.publish(topic, events), coupaApi, topics, connectionId, base, seen, eventsFor, settled, lastDelivery, targetRecords, gateway, metric };
}

interface SupplierRecord {
  id: number;
  number: string;
  name: string;
}

test('HMAC call-outs from the simulator become canonical events on Kafka; duplicates, reorders, forgeries, oversize and echoes handled', async (t) => {
  const h = await setup(t, 'hmac');
  const suppliers = await h.admin<SupplierRecord[]>('GET', '/state/suppliers');
  const [s1, s2, s3, s4, s5, s6, s7] = suppliers;

  // Approve a PO, change a supplier, enter an invoice.
  type Po = { id: number; 'po-number': string; supplier: { number: string }; 'order-lines': { id: number; 'line-num': number }[] };
  const pos = await h.admin<Po[]>('GET', '/state/purchase_orders');
  const [po, unseenPo] = pos as [Po, Po];
  await h.admin('POST', `/purchase_orders/${po.id}/approve`);
  await h.admin('PATCH', `/suppliers/${s1!.id}`, { name: 'Renamed Supplier One' });
  await h.admin('POST', '/invoices', {
    'invoice-number': 'INT-INV-1',
    'invoice-date': '2026-11-23',
    supplier: { number: s1!.number },
    'invoice-lines': [{ description: 'Bolts', quantity: '10', price: '2.50', 'po-number': po['po-number'], 'order-line-id': po['order-lines'].at(-1)!.id }],
  });
  // A PO whose call-out the gateway never saw: its line is looked up in Coupa's API.
  await h.admin('POST', '/invoices', {
    'invoice-number': 'INT-INV-2',
    'invoice-date': '2026-11-23',
    supplier: { number: unseenPo.supplier.number },
    'invoice-lines': [{ description: 'Nuts', quantity: '1', price: '1.00', 'po-number': unseenPo['po-number'], 'order-line-id': unseenPo['order-lines'][0]!.id }],
  });
  await waitFor(() => h.seen.length >= 4, { message: 'four events on Kafka' });
  const byTopic = (topic: string) => h.seen.filter((s) => s.topic === topic).map((s) => s.event);
  const [poEvent] = byTopic(h.topics['purchase-order']);
  assert.equal(poEvent?.entity.key, po['po-number']);
  assert.equal(poEvent?.type === 'purchase-order.changed' && poEvent.data.status, 'issued');
  assert.equal(poEvent?.connection, h.connectionId);
  const [supplierEvent] = byTopic(h.topics.supplier);
  assert.equal(supplierEvent?.type === 'supplier.changed' && supplierEvent.data.name, 'Renamed Supplier One');
  const [invoiceEvent, unseenInvoice] = byTopic(h.topics.invoice);
  assert.equal(invoiceEvent?.entity.key, `${s1!.number}/INT-INV-1`);
  assert.ok(invoiceEvent?.type === 'invoice.changed' && unseenInvoice?.type === 'invoice.changed');
  assert.equal(invoiceEvent.data.total, '25.00');
  assert.deepEqual(invoiceEvent.data.lines.map((l) => [l.poNumber, l.poLineNumber]), [[po['po-number'], po['order-lines'].at(-1)!['line-num']]]);
  assert.deepEqual(unseenInvoice.data.lines.map((l) => [l.poNumber, l.poLineNumber]), [[unseenPo['po-number'], unseenPo['order-lines'][0]!['line-num']]]);

  // Duplicates: two deliveries of one event id, one event.
  await h.admin('POST', '/callouts/faults', { kind: 'duplicate' });
  await h.admin('PATCH', `/suppliers/${s2!.id}`, { name: 'Duplicated' });
  const dupId = (await h.lastDelivery()).eventId;
  const dups = await h.settled(dupId, 2);
  assert.deepEqual(dups.map((d) => [d.status, d.attempts.at(-1)?.status]), [['delivered', 200], ['delivered', 200]]);

  // Reordered: the later change arrives first and is published; the earlier one, older than what was
  // handled for the supplier, is recorded as stale and not published (issue 12 finding 6).
  await h.admin('POST', '/callouts/hold');
  await h.admin('PATCH', `/suppliers/${s3!.id}`, { name: 'First change' });
  await h.admin('PATCH', `/suppliers/${s3!.id}`, { name: 'Second change' });
  await h.admin('POST', '/callouts/release', { order: 'reverse' });

  // Forged and oversize: refused once, never published.
  await h.admin('POST', '/callouts/faults', { kind: 'bad-signature' });
  await h.admin('PATCH', `/suppliers/${s4!.id}`, { name: 'Forged' });
  const forged = await h.settled((await h.lastDelivery()).eventId);
  assert.equal(forged[0]!.attempts[0]!.status, 401);
  await h.admin('POST', '/callouts/faults', { kind: 'oversize' });
  await h.admin('PATCH', `/suppliers/${s5!.id}`, { name: 'Oversize' });
  const oversize = await h.settled((await h.lastDelivery()).eventId);
  assert.equal(oversize[0]!.attempts[0]!.status, 413);

  // Echo: coupa-writer remembers having written exactly what the supplier is about to become.
  const current = await h.admin<Record<string, unknown>>('GET', `/state/suppliers/${s6!.id}`);
  const expected = toCanonicalSupplier({ ...current, name: 'Written By Us' }, DEFAULT_COUPA_MAPPING);
  assert.ok(expected.ok);
  await h.targetRecords.remember(
    { connection: h.connectionId, targetSystem: 'coupa', entityType: 'supplier', naturalKey: s6!.number },
    { targetId: String(s6!.id), contentHash: contentHashOf(expected.value.data), sourceTime: new Date(), eventId: 'from-coupa-writer' },
  );
  await h.admin('PATCH', `/suppliers/${s6!.id}`, { name: 'Written By Us' });
  const echo = await h.settled((await h.lastDelivery()).eventId);
  assert.equal(echo[0]!.attempts[0]!.status, 200);

  // A sentinel after everything else: once it is on the (single-partition) topic, so is all that came before.
  await h.admin('PATCH', `/suppliers/${s7!.id}`, { name: 'Sentinel' });
  await waitFor(() => h.eventsFor(s7!.number).length === 1, { message: 'sentinel event' });

  assert.equal(h.seen.filter((s) => s.event.correlationId === dupId).length, 1, 'a duplicate delivery publishes nothing new');
  const reordered = h.eventsFor(s3!.number).map((e) => (e.type === 'supplier.changed' ? e.data.name : ''));
  assert.deepEqual(reordered, ['Second change']);
  const reorderedRows = await h.pool.query<{ outcome: string }>('select outcome from coupa_gateway_deliveries where connection = $1 and entity_key = $2 order by occurred_at', [
    h.connectionId,
    s3!.number,
  ]);
  assert.deepEqual(reorderedRows.rows.map((r) => r.outcome), ['stale', 'published']);
  assert.equal(h.eventsFor(s4!.number).length, 0);
  assert.equal(h.eventsFor(s5!.number).length, 0);
  assert.equal(h.eventsFor(s6!.number).length, 0, 'an echo of our own write is not forwarded');
  const { rows } = await h.pool.query<{ outcome: string }>('select outcome from coupa_gateway_deliveries where connection = $1 and entity_key = $2', [
    h.connectionId,
    s6!.number,
  ]);
  assert.deepEqual(rows.map((r) => r.outcome), ['echo']);

  // Another replica (or this one after a restart) on the same database knows the id too.
  const replica = h.gateway();
  t.after(() => replica.close());
  const body = JSON.stringify(current);
  const again = await replica.inject({
    method: 'POST',
    url: `/webhooks/coupa/${h.connectionId}`,
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-coupa-event-id': dupId,
      'x-coupa-event-type': 'supplier.updated',
      'x-coupa-signature': createHmac('sha256', HMAC).update(body).digest('hex'),
    },
  });
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().status, 'duplicate');
  assert.equal(await h.metric('coupa_gateway_requests_total', { connection: h.connectionId, outcome: 'unauthorized' }), 1);
});

test('OAuth 2.0 call-out flow: the simulator fetches a token from the gateway and its call-outs are published', async (t) => {
  const h = await setup(t, 'oauth2');
  const [supplier] = await h.admin<SupplierRecord[]>('GET', '/state/suppliers');
  await h.admin('PATCH', `/suppliers/${supplier!.id}`, { name: 'Via OAuth' });
  const [event] = await waitFor(() => (h.eventsFor(supplier!.number).length === 1 ? h.eventsFor(supplier!.number) : undefined), { message: 'OAuth event' });
  assert.equal(event?.type === 'supplier.changed' && event.data.name, 'Via OAuth');
  assert.equal(await h.metric('coupa_gateway_requests_total', { connection: h.connectionId, outcome: 'token-issued' }), 1);

  // A forged bearer token from the simulator is refused.
  await h.admin('POST', '/callouts/faults', { kind: 'bad-signature' });
  await h.admin('PATCH', `/suppliers/${supplier!.id}`, { name: 'Forged bearer' });
  const forged = await h.settled((await h.lastDelivery()).eventId);
  assert.equal(forged[0]!.attempts[0]!.status, 401);
});

test('without call-outs: the poller publishes issued POs and approved invoices not yet exported, then flags them', async (t) => {
  const h = await setup(t, 'hmac');
  type Listed = { id: number; status: string; exported: boolean; 'po-number'?: string; 'invoice-number'?: string; supplier: { number: string } };
  const pos = (await h.admin<Listed[]>('GET', '/state/purchase_orders')).filter((p) => p.status === 'issued' && !p.exported);
  const invoices = (await h.admin<Listed[]>('GET', '/state/invoices')).filter((i) => i.status === 'approved' && !i.exported);
  assert.ok(pos.length > 0 && invoices.length > 0, 'the seed has something to export');
  const poller = createExportPoller({
    connection: { id: h.connectionId, mapping: DEFAULT_COUPA_MAPPING },
    source: createCoupaClient({ url: h.sim.url, clientId: h.sim.credentials.clientId, clientSecret: h.sim.credentials.clientSecret, scopes: h.sim.credentials.scopes, logger }),
    publish: createBatchingPublisher({ publishBatch: h.publishBatch }),
    topicOf: (entity) => h.topics[entity],
    rejections: createRejectionLog({ db: h.pool }),
    orderLines: { index: createOrderLineIndex({ db: h.pool }) },
    logger,
    pageSize: 3,
  });
  const first = await poller.runOnce();
  assert.deepEqual(first, { purchase_orders: { published: pos.length, skipped: 0 }, invoices: { published: invoices.length, skipped: 0 } });
  await waitFor(() => h.seen.length === pos.length + invoices.length, { message: 'polled events on Kafka' });
  assert.deepEqual(
    h.seen.filter((s) => s.topic === h.topics['purchase-order']).map((s) => s.event.entity.key).sort(),
    pos.map((p) => p['po-number']).sort(),
  );
  assert.deepEqual(
    h.seen.filter((s) => s.topic === h.topics.invoice).map((s) => s.event.entity.key).sort(),
    invoices.map((i) => `${i.supplier.number}/${i['invoice-number']}`).sort(),
  );
  const after = await h.admin<Listed[]>('GET', '/state/purchase_orders');
  assert.ok(pos.every((p) => after.find((a) => a.id === p.id)?.exported), 'published POs are flagged exported in Coupa');
  assert.deepEqual(await poller.runOnce(), { purchase_orders: { published: 0, skipped: 0 }, invoices: { published: 0, skipped: 0 } });
});

async function deliveryLogOnPostgres(t: TestContext, prefix: string) {
  const pool = createPool(testInfra().databaseUrl, { max: 4 });
  await migrate(pool, { component: 'coupa-gateway', dir: GATEWAY_MIGRATIONS });
  const connection = uniqueName(prefix);
  t.after(async () => {
    await pool.query('delete from coupa_gateway_deliveries where connection = $1', [connection]);
    await pool.end();
  });
  const delivery = (coupaEventId: string) => ({ connection, coupaEventId, eventType: 'supplier.updated', entityType: 'supplier', entityKey: 'S1', eventId: `evt-${coupaEventId}`, contentHash: 'h', occurredAt: new Date('2026-11-20T09:00:00Z') });
  return { pool, connection, log: createDeliveryLog({ db: pool }), delivery };
}

test('delivery claims on Postgres: one holder per event id across replicas; released or lapsed claims are taken over', async (t) => {
  const { pool, connection, log, delivery } = await deliveryLogOnPostgres(t, 'claims');
  const LEASE = 60_000;

  // Two replicas (two stores on one database) claim the same id at once: exactly one wins.
  const replicaB = createDeliveryLog({ db: pool });
  const [a, b] = await Promise.all([log.claim(delivery('race'), LEASE), replicaB.claim(delivery('race'), LEASE)]);
  assert.equal([a, b].filter((c) => c.claimed).length, 1);
  const winner = (a.claimed ? a : b) as { claimed: true; token: string };
  assert.deepEqual(a.claimed ? b : a, { claimed: false, holder: { outcome: 'pending', eventId: 'evt-race' } });
  assert.equal(await replicaB.complete(connection, 'race', 'd0d0d0d0-0000-4000-8000-000000000000', 'published'), false, 'only the holder completes');
  assert.equal(await log.complete(connection, 'race', winner.token, 'published'), true);
  assert.deepEqual(await replicaB.claim(delivery('race'), 0), { claimed: false, holder: { outcome: 'published', eventId: 'evt-race' } }, 'a published id is never re-claimed');

  // A failed publish releases its claim; the retry claims afresh.
  const failed = await log.claim(delivery('failed'), LEASE);
  assert.ok(failed.claimed);
  await log.release(connection, 'failed', failed.token);
  assert.equal(await log.find(connection, 'failed'), undefined);
  assert.equal((await replicaB.claim(delivery('failed'), LEASE)).claimed, true);

  // A holder that died: its claim lapses after the lease and is taken over; the old holder's
  // late completion is refused.
  const dead = await log.claim(delivery('dead'), LEASE);
  assert.ok(dead.claimed);
  assert.equal((await replicaB.claim(delivery('dead'), LEASE)).claimed, false, 'a fresh claim holds');
  await pool.query(`update coupa_gateway_deliveries set received_at = now() - interval '2 minutes' where connection = $1 and coupa_event_id = 'dead'`, [connection]);
  const takeover = await replicaB.claim(delivery('dead'), LEASE);
  assert.ok(takeover.claimed);
  assert.equal(await log.complete(connection, 'dead', dead.token, 'published'), false);
  assert.equal(await replicaB.complete(connection, 'dead', takeover.token, 'published'), true);
});

test('expired delivery ids are purged; fresh ones stay', async (t) => {
  const { pool, connection, log, delivery } = await deliveryLogOnPostgres(t, 'expiry');
  for (const id of ['old', 'fresh']) {
    const claim = await log.claim(delivery(id), 60_000);
    assert.ok(claim.claimed);
    await log.complete(connection, id, claim.token, 'published');
  }
  await pool.query(`update coupa_gateway_deliveries set received_at = now() - interval '8 days' where connection = $1 and coupa_event_id = 'old'`, [connection]);

  const expiry = createExpiry({ db: pool, logger, deliveryRetentionMs: 7 * 86_400_000, rejectionRetentionMs: 90 * 86_400_000, orderLineRetentionMs: 90 * 86_400_000, intervalMs: 60_000, batchSize: 1 });
  await expiry.runOnce();
  assert.equal(await log.find(connection, 'old'), undefined);
  assert.equal((await log.find(connection, 'fresh'))?.outcome, 'published');
});

test('latest: the newest record published per key, by Coupa\'s change time, whatever its event id; pending and stale ones do not count', async (t) => {
  const { connection, log, delivery } = await deliveryLogOnPostgres(t, 'latest');
  const at = (id: string, iso: string) => ({ ...delivery(id), occurredAt: new Date(iso) });
  for (const [id, iso, outcome] of [['older', '2026-11-20T09:00:00Z', 'published'], ['newer', '2026-11-20T10:00:00Z', 'published'], ['stale', '2026-11-20T11:00:00Z', 'stale']] as const) {
    const claim = await log.claim(at(id, iso), 60_000);
    assert.ok(claim.claimed);
    await log.complete(connection, id, claim.token, outcome);
  }
  assert.ok((await log.claim(at('pending', '2026-11-20T12:00:00Z'), 60_000)).claimed);
  assert.deepEqual(await log.latest(connection, 'supplier', 'S1'), { eventId: 'evt-newer', occurredAt: new Date('2026-11-20T10:00:00Z') });
  assert.equal(await log.latest(connection, 'supplier', 'other'), undefined);
});

test('a claim reads holder and newest record in its one statement (replay, stale); completions of one send share one statement', async (t) => {
  const { pool, connection, delivery } = await deliveryLogOnPostgres(t, 'batched');
  const statements: string[] = [];
  const counted = { query: ((text: string, values?: unknown[]) => (statements.push(text), pool.query(text, values))) as typeof pool.query };
  const log = createDeliveryLog({ db: counted });
  const at = (id: string, iso: string) => ({ ...delivery(id), occurredAt: new Date(iso) });

  // Ten call-outs arriving together: one statement claims them all, one completes them all.
  const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => log.claim({ ...at(`c${i}`, '2026-11-20T09:00:00Z'), entityKey: `K${i}`, eventId: `evt-c${i}` }, 60_000)));
  assert.deepEqual(claims.map((c) => c.claimed && c.latest), Array(10).fill(undefined));
  assert.equal(statements.length, 1, 'one statement for the ten claims');
  const tokens = claims.map((c) => (c.claimed ? c.token : assert.fail('claimed')));
  const done = await Promise.all(tokens.map((token, i) => log.complete(connection, `c${i}`, token, 'published')));
  assert.deepEqual(done, Array(10).fill(true));
  assert.equal(statements.length, 2, 'one update for the ten completions');
  assert.deepEqual(await log.complete(connection, 'c0', tokens[0]!, 'published'), false, 'a completed claim is no longer the holder\'s');

  // The same content again under a new id: a replay, nothing claimed; an older record: claimed, with the newest to compare.
  assert.deepEqual(await log.claim({ ...at('again', '2026-11-20T09:00:00Z'), entityKey: 'K1', eventId: 'evt-c1' }, 60_000), {
    claimed: false,
    holder: undefined,
    replay: { eventId: 'evt-c1', occurredAt: new Date('2026-11-20T09:00:00Z') },
  });
  assert.equal(await log.find(connection, 'again'), undefined, 'a replay leaves no row');
  const older = await log.claim({ ...at('older', '2026-11-20T08:00:00Z'), entityKey: 'K1', eventId: 'evt-older' }, 60_000);
  assert.ok(older.claimed);
  assert.deepEqual(older.latest, { eventId: 'evt-c1', occurredAt: new Date('2026-11-20T09:00:00Z') });
  // An id already handled answers its own outcome, even when the body is that of the newest record.
  assert.deepEqual(await log.claim({ ...at('c2', '2026-11-20T09:00:00Z'), entityKey: 'K2', eventId: 'evt-c2' }, 0), { claimed: false, holder: { outcome: 'published', eventId: 'evt-c2' } });

  // The same answers when those claims arrive together, in one statement: a replay, an older
  // record, an id handled, an id pending (fresh, held) and the same new id twice (the second
  // waits for the next statement and finds the first holding it).
  statements.length = 0;
  const together = await Promise.all([
    log.claim({ ...at('again-2', '2026-11-20T09:00:00Z'), entityKey: 'K3', eventId: 'evt-c3' }, 60_000),
    log.claim({ ...at('older-2', '2026-11-20T08:00:00Z'), entityKey: 'K4', eventId: 'evt-older-4' }, 60_000),
    log.claim({ ...at('c5', '2026-11-20T09:00:00Z'), entityKey: 'K5', eventId: 'evt-c5' }, 60_000),
    log.claim({ ...at('older', '2026-11-20T08:00:00Z'), entityKey: 'K1', eventId: 'evt-older' }, 60_000),
    log.claim({ ...at('twice', '2026-11-20T10:00:00Z'), entityKey: 'K6', eventId: 'evt-twice' }, 60_000),
    log.claim({ ...at('twice', '2026-11-20T10:00:00Z'), entityKey: 'K6', eventId: 'evt-twice' }, 60_000),
  ]);
  assert.deepEqual(together[0], { claimed: false, holder: undefined, replay: { eventId: 'evt-c3', occurredAt: new Date('2026-11-20T09:00:00Z') } });
  assert.ok(together[1]!.claimed);
  assert.deepEqual(together[1].latest, { eventId: 'evt-c4', occurredAt: new Date('2026-11-20T09:00:00Z') });
  assert.deepEqual(together[2], { claimed: false, holder: { outcome: 'published', eventId: 'evt-c5' } });
  assert.deepEqual(together[3], { claimed: false, holder: { outcome: 'pending', eventId: 'evt-older' } });
  assert.ok(together[4]!.claimed);
  assert.deepEqual(together[5], { claimed: false, holder: { outcome: 'pending', eventId: 'evt-twice' } });
  assert.equal(statements.length, 2, 'one statement for five claims, the next for the repeated id');
  assert.equal(await log.find(connection, 'again-2'), undefined, 'a replay leaves no row');
});
