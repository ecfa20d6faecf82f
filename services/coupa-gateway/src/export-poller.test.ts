import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { MlcError } from '@mlc/errors';
import { createLogger } from '@mlc/log';
import { createBatchingPublisher } from './batching.js';
import { createExportPoller, type CoupaExportSource, type ExportResource } from './export-poller.js';
import { memoryOrderLineIndex, memoryPorts, testConnection } from './test-support.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../libs/coupa/test/fixtures/inbound/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** Coupa's export endpoints over an in-memory list, as the simulator serves them. */
function fakeCoupa(records: Record<ExportResource, Record<string, unknown>[]>) {
  const exported = new Set<string>();
  const source: CoupaExportSource = {
    listNotExported: async (resource, status, offset, limit) =>
      records[resource].filter((r) => r.status === status && !exported.has(`${resource}:${String(r.id)}`)).slice(offset, offset + limit),
    markExported: async (resource, id) => void exported.add(`${resource}:${id}`),
  };
  return { source, exported };
}

test('polls issued POs and approved invoices not yet exported, publishes them, then flags them exported', async () => {
  const memory = memoryPorts();
  const invoice = fixture('invoice.json');
  const coupa = fakeCoupa({
    purchase_orders: [fixture('purchase-order.json'), { ...fixture('purchase-order.json'), id: 1002, 'po-number': 'PO-DRAFT', status: 'draft' }],
    invoices: [invoice, { ...invoice, id: 302, supplier: { id: 9, number: null } }],
  });
  const poller = createExportPoller({
    connection: testConnection('acme'),
    source: coupa.source,
    publish: memory.ports.publish,
    topicOf: (entity) => `coupa.${entity}`,
    rejections: memory.ports.rejections,
    orderLines: { index: memoryOrderLineIndex() },
    logger: createLogger({ name: 'test', level: 'silent' }),
    pageSize: 1,
  });
  const first = await poller.runOnce();
  assert.deepEqual(first, { purchase_orders: { published: 1, skipped: 0 }, invoices: { published: 1, skipped: 1 } });
  assert.deepEqual(memory.published.map((p) => [p.topic, p.event.entity.key]), [
    ['coupa.purchase-order', 'PO-1000123'],
    ['coupa.invoice', 'ACME01/INV-00042'],
  ]);
  const published = memory.published[1]!.event;
  assert.ok(published.type === 'invoice.changed');
  assert.deepEqual(published.data.lines.map((l) => l.poLineNumber), [1, 2], 'PO lines learned from the polled PO');
  assert.deepEqual([...coupa.exported].sort(), ['invoices:301', 'purchase_orders:1001']);
  assert.deepEqual(memory.rejections.map((r) => [r.code, r.status]), [['MLC_MAPPING_FAILED', 422]]);

  const second = await poller.runOnce();
  assert.deepEqual(second, { purchase_orders: { published: 0, skipped: 0 }, invoices: { published: 0, skipped: 1 } });
  assert.equal(memory.published.length, 2);
  assert.equal(memory.rejections.length, 1, 'an unmappable record is reported once, not every poll');
});

test('a record whose event Kafka did not acknowledge stays unexported', async () => {
  const memory = memoryPorts();
  memory.setKafkaDown(true);
  const coupa = fakeCoupa({ purchase_orders: [fixture('purchase-order.json')], invoices: [] });
  const poller = createExportPoller({
    connection: testConnection('acme'),
    source: coupa.source,
    publish: memory.ports.publish,
    topicOf: (entity) => `coupa.${entity}`,
    rejections: memory.ports.rejections,
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
  await assert.rejects(poller.runOnce(), (error: unknown) => (error as MlcError).code === 'MLC_KAFKA_UNAVAILABLE');
  assert.equal(coupa.exported.size, 0);
});

test('a record whose event is over the record limit is left unexported, reported once, and the records after it are published', async () => {
  const memory = memoryPorts();
  const sent: string[] = [];
  const publish = createBatchingPublisher({ publishBatch: async (_topic, events) => void sent.push(...events.map((e) => e.entity.key)), maxRecordBytes: 1_500 });
  const po = fixture('purchase-order.json');
  const big = { ...po, id: 1001, 'po-number': 'PO-BIG', 'order-lines': Array.from({ length: 20 }, () => (po['order-lines'] as unknown[])[0]).map((line, i) => ({ ...(line as object), id: 9000 + i, 'line-num': i + 1 })) };
  const coupa = fakeCoupa({ purchase_orders: [big, { ...po, id: 1002, 'po-number': 'PO-SMALL' }], invoices: [] });
  const poller = createExportPoller({
    connection: testConnection('acme'),
    source: coupa.source,
    publish,
    topicOf: (entity) => `coupa.${entity}`,
    rejections: memory.ports.rejections,
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
  assert.deepEqual((await poller.runOnce()).purchase_orders, { published: 1, skipped: 1 });
  assert.deepEqual(sent, ['PO-SMALL']);
  assert.deepEqual([...coupa.exported], ['purchase_orders:1002']);
  assert.deepEqual(memory.rejections.map((r) => [r.coupaEventId?.includes('1001'), r.code, r.status]), [[true, 'event-too-large', 413]]);
  assert.deepEqual((await poller.runOnce()).purchase_orders, { published: 0, skipped: 1 });
  assert.equal(memory.rejections.length, 1, 'reported once, not every poll');
});
