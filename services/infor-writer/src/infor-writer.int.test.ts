import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { connectionsFileSchema, selectOneConnection } from '@mlc/config';
import { createPool, migrate } from '@mlc/db';
import { OUTCOMES_TOPIC, buildEvent, createRegistryCodec, topicFor, type CanonicalEvent, type DataOf, type EntityType } from '@mlc/events';
import { InforMapping } from '@mlc/infor';
import { DLQ_HEADERS, createConsumerRuntime, createEventProducer, createTopicNamespace, dlqTopicFor, headerString } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { startInforSimulator } from '@mlc/sandbox';
import { createTestTopics, testInfra, uniqueName, waitFor } from '@mlc/testing';
import { TARGET_RECORDS_MIGRATIONS, createRateLimiterFactory, createSyncStateStore, createTargetRecordStore } from '@mlc/writer';
import { createInforWriter } from './writer.js';

// infor-writer's handler (built by its WriterDefinition, as the service builds it) in the shared
// consumer runtime, on real Kafka, the registry and Postgres, writing to the Infor simulator.
// Topics, group and connection id are unique per run.
const infra = testInfra();
const logger = createLogger({ name: 'infor-writer-test', level: 'silent' });

function collect(kafka: Kafka, topic: string) {
  const messages: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  return {
    messages,
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
    },
    stop: () => consumer.disconnect(),
  };
}

/** The writer's handler in a consumer runtime on the stack, writing to a fresh Infor simulator. */
async function writerOnStack(t: TestContext) {
  const ns = createTopicNamespace(`${uniqueName('iw')}.`);
  const connectionId = uniqueName('acme');
  const sim = await startInforSimulator({ sizes: { suppliers: 0, purchaseOrders: 0, poLines: 0 } });
  t.after(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'infor-writer-'));
  writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(sim.ionapi));
  const file = connectionsFileSchema({ baseDir: dir, mappings: { infor: InforMapping } }).parse({
    allowLiteralSecrets: true,
    connections: [
      {
        id: connectionId,
        infor: { ionapiFile: 'tenant.ionapi', company: '100', division: 'AAA', requestsPerMinute: 300 },
        mappings: { infor: { purchaseOrder: { defaultItem: 'SERVICE' } } },
      },
    ],
  });

  const pool = createPool(infra.databaseUrl, { max: 2 });
  t.after(() => pool.end());
  await migrate(pool, { component: 'writer', dir: TARGET_RECORDS_MIGRATIONS });
  const connection = selectOneConnection(file, { wanted: undefined, section: 'infor', service: 'infor-writer' });
  const handler = await createInforWriter().createHandler({ connection, records: createTargetRecordStore({ db: pool }), syncState: createSyncStateStore({ db: pool }), logger, metrics: new Registry(), createLimiter: createRateLimiterFactory({ mode: 'local', db: pool, connection: connection.id, target: 'infor', fallbackReplicas: 1 }) });

  const kafka = new Kafka({ clientId: uniqueName('iw-test'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const topics = {
    supplier: ns.topic(topicFor('coupa', 'supplier')),
    'purchase-order': ns.topic(topicFor('coupa', 'purchase-order')),
    invoice: ns.topic(topicFor('coupa', 'invoice')),
    outcomes: ns.topic(OUTCOMES_TOPIC),
    dlq: ns.topic(dlqTopicFor('infor-writer')),
  };
  const admin = kafka.admin();
  await admin.connect();
  await createTestTopics(admin, Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })));
  t.after(async () => {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  });
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: ns.logical });
  const producer = createEventProducer({ kafka, codec, logger });
  await producer.connect();
  t.after(() => producer.disconnect());

  const runtime = createConsumerRuntime({
    kafka,
    groupId: uniqueName('infor-writer'),
    topics: [topics.supplier, topics['purchase-order'], topics.invoice],
    codec,
    handler,
    logger,
    retry: { initialMs: 50, maxMs: 500, maxAttempts: 200 },
    outcomesTopic: topics.outcomes,
    dlqTopic: topics.dlq,
    partitionsConsumedConcurrently: 3,
  });
  await runtime.start();
  t.after(() => runtime.stop());
  const outcomes = collect(kafka, topics.outcomes);
  const dlq = collect(kafka, topics.dlq);
  await outcomes.start();
  await dlq.start();
  t.after(() => outcomes.stop());
  t.after(() => dlq.stop());

  const event = <E extends EntityType>(entity: E, key: string, data: DataOf<E>, occurredAt = '2026-03-02T10:00:00Z') =>
    buildEvent({ source: 'coupa', connection: connectionId, entity, key, data, occurredAt, observedAt: occurredAt, correlationId: uniqueName('corr') });
  const publish = async (events: CanonicalEvent[]) => {
    for (const e of events) await producer.publish(topics[e.entity.type as 'supplier' | 'purchase-order' | 'invoice'], [e]);
  };
  return { sim, event, publish, outcomes, dlq };
}

test('Coupa events reach M3: supplier, PO with lines, matched invoice; replay duplicates nothing; an unmatched invoice line goes to the DLQ', async (t) => {
  const { sim, event, publish, outcomes, dlq } = await writerOnStack(t);

  const supplier = event('supplier', 'E2E01', { number: 'E2E01', name: 'End To End Supplies', status: 'active', currency: 'USD', taxId: 'VAT-1' });
  const po = event('purchase-order', 'PO-E2E1', {
    number: 'PO-E2E1',
    supplierNumber: 'E2E01',
    status: 'issued',
    orderDate: '2026-03-02',
    currency: 'USD',
    lines: [
      { lineNumber: 1, itemCode: 'BOLT', description: 'Bolts', quantity: '100', unitPrice: '0.25', dueDate: '2026-03-20' },
      { lineNumber: 2, description: 'Fitting', quantity: '1', unitPrice: '80.00', dueDate: '2026-03-18' },
    ],
  });
  const invoiceData = (number: string, poLineNumber: number) => ({
    number,
    supplierNumber: 'E2E01',
    invoiceDate: '2026-03-25',
    currency: 'USD',
    status: 'approved' as const,
    poNumber: 'PO-E2E1',
    total: '25.00',
    lines: [{ lineNumber: 1, description: 'Bolts', quantity: '100', unitPrice: '0.25', amount: '25.00', poLineNumber }],
  });
  const invoice = event('invoice', 'E2E01/INV-E2E1', invoiceData('INV-E2E1', 1));
  const unmatched = event('invoice', 'E2E01/INV-E2E2', invoiceData('INV-E2E2', 7));

  // In dependency order, each after the previous outcome: a message waiting in place for a
  // dependency on another topic holds up the consumer's fetch loop (open point in README), so this
  // test does not rely on that wait resolving; the handler unit tests cover the waiting itself.
  let expected = 0;
  for (const batch of [[supplier], [po], [invoice, unmatched]]) {
    await publish(batch);
    expected += batch.length;
    await waitFor(() => outcomes.messages.length >= expected, { message: `${expected} outcomes`, timeoutMs: 60_000 });
  }

  const state = async <T>(resource: string) => (await (await fetch(`${sim.url}/_sandbox/state/${resource}`)).json()) as T[];
  type Po = { PUNO: string; SUNO: string; YRE1?: string; lines: Array<{ PNLI: string; ITNO: string; IVQA: string }> };
  type Batch = { INBN: string; SINO: string; SUPA: string; lines: Array<{ PUNO: string; PNLI: string }> };
  const check = async () => {
    const suppliers = await state<{ SUNO: string; SUNM: string; VRNO?: string }>('suppliers');
    const orders = await state<Po>('purchase-orders');
    const batches = await state<Batch>('invoice-batches');
    assert.deepEqual(suppliers.map((s) => [s.SUNO, s.SUNM, s.VRNO]), [['E2E01', 'End To End Supplies', 'VAT-1']]);
    assert.equal(orders.length, 1);
    assert.deepEqual([orders[0]!.SUNO, orders[0]!.YRE1], ['E2E01', 'PO-E2E1']);
    assert.deepEqual(orders[0]!.lines.map((l) => [l.PNLI, l.ITNO]), [['1', 'BOLT'], ['2', 'SERVICE']]);
    assert.equal(orders[0]!.lines[0]!.IVQA, '100', 'the matched invoice line was invoiced against PO line 1');
    assert.deepEqual(batches.map((b) => [b.SINO, b.SUPA, b.lines.map((l) => `${l.PUNO}/${l.PNLI}`).join()]), [['INV-E2E1', '2', `${orders[0]!.PUNO}/1`]]);
  };
  await check();

  await waitFor(() => dlq.messages.length >= 1, { message: 'the unmatched invoice in the DLQ' });
  assert.equal(dlq.messages.length, 1);
  assert.equal(headerString(dlq.messages[0]!.headers, DLQ_HEADERS.code), 'MLC_MAPPING_FAILED');

  // Replay: the same events again; every outcome arrives and M3 is unchanged.
  await publish([supplier, po, invoice]);
  await waitFor(() => outcomes.messages.length >= 7, { message: 'three more outcomes', timeoutMs: 60_000 });
  await check();
});

/** The M3 transactions the simulator received (GET and bulk), with their records, in order. */
async function m3Transactions(simUrl: string) {
  const requests = (await (await fetch(`${simUrl}/_sandbox/requests`)).json()) as Array<{ method: string; url: string; body: unknown }>;
  return requests.flatMap((r) => {
    const url = new URL(r.url, 'http://sim');
    const single = /\/execute\/([^/]+)\/([^/;]+)/.exec(url.pathname);
    if (r.method === 'GET' && single) {
      const record = Object.fromEntries([...url.searchParams].filter(([k]) => k === k.toUpperCase()));
      return [{ program: single[1]!, transaction: single[2]!, record }];
    }
    if (r.method === 'POST' && url.pathname.endsWith('/execute')) {
      const bulk = r.body as { program: string; transactions: Array<{ transaction: string; record: Record<string, string> }> };
      return bulk.transactions.map((tx) => ({ program: bulk.program, transaction: tx.transaction, record: tx.record }));
    }
    return [];
  });
}
const isWrite = (tx: { transaction: string }) => !/^(Get|Lst|Sel|Search)/.test(tx.transaction);

test('a PO line changed in Coupa after the order is in M3 is one PPS200MI UpdLine of that line; replaying that event writes nothing', async (t) => {
  const { sim, event, publish, outcomes } = await writerOnStack(t);
  const lines = [
    { lineNumber: 1, itemCode: 'BOLT', description: 'Bolts', quantity: '100', unitPrice: '0.25', dueDate: '2026-03-20' },
    { lineNumber: 2, description: 'Fitting', quantity: '1', unitPrice: '80.00', dueDate: '2026-03-18' },
  ];
  const po = (quantity: string, occurredAt: string) =>
    event('purchase-order', 'PO-CHG1', { number: 'PO-CHG1', supplierNumber: 'CHG01', status: 'issued', orderDate: '2026-03-02', currency: 'USD', lines: [{ ...lines[0]!, quantity }, lines[1]!] }, occurredAt);
  const publishAndWait = async (events: CanonicalEvent[]) => {
    const expected = outcomes.messages.length + events.length;
    await publish(events);
    await waitFor(() => outcomes.messages.length >= expected, { message: `${expected} outcomes`, timeoutMs: 60_000 });
  };
  await publishAndWait([event('supplier', 'CHG01', { number: 'CHG01', name: 'Change Supplies', status: 'active', currency: 'USD' })]);
  await publishAndWait([po('100', '2026-03-02T10:00:00Z')]);
  const [order] = [...sim.state.purchaseOrders.values()];
  assert.deepEqual([...order!.lines.values()].map((l) => [l.PNLI, l.ORQA]), [['1', '100'], ['2', '1']]);
  const lineBefore = { ...order!.lines.get('2')! };

  await fetch(`${sim.url}/_sandbox/requests`, { method: 'DELETE' });
  const changed = po('120', '2026-03-05T10:00:00Z');
  await publishAndWait([changed]);
  const writes = (await m3Transactions(sim.url)).filter(isWrite);
  assert.deepEqual(writes, [
    { program: 'PPS200MI', transaction: 'UpdLine', record: { PUNO: order!.head.PUNO, PNLI: '1', PNLS: '0', ORQA: '120', PUPR: '0.25', DWDT: '20260320', PITD: 'Bolts' } },
  ]);
  assert.equal(order!.lines.get('1')!.ORQA, '120');
  assert.deepEqual(order!.lines.get('2'), lineBefore);

  await fetch(`${sim.url}/_sandbox/requests`, { method: 'DELETE' });
  await publishAndWait([changed]);
  assert.deepEqual((await m3Transactions(sim.url)).filter(isWrite), [], 'a replay writes nothing to M3');
  assert.equal(sim.state.purchaseOrders.size, 1);
});
