import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { buildDlqHeaders, readDeadLetterReason, type EventProducer, type RawRecord } from '@mlc/kafka';
import { advance, cursorToJSON, initialCursor } from '@mlc/syspro';
import { CURSOR_TOPIC, REJECT_TOPIC, createKafkaPagePublisher, parseCursorRecord } from './kafka-state.js';
import { LEGACY_EPOCH } from './ports.js';

// A producer that records what one transaction sends, by topic.
function recordingProducer() {
  const raw = new Map<string, RawRecord[]>();
  const producer: EventProducer = {
    connect: async () => {},
    disconnect: async () => {},
    publish: async () => {},
    transaction: (fn) =>
      fn({
        publish: async () => {},
        sendRaw: async (topic, records) => void raw.set(topic, [...(raw.get(topic) ?? []), ...records]),
      }),
  };
  return { producer, raw };
}

test('a rejected row is dead-lettered with the headers of a consumer runtime DLQ record, and reads back with one reader', async () => {
  const { producer, raw } = recordingProducer();
  const at = new Date('2025-01-02T03:04:05.000Z');
  const publisher = createKafkaPagePublisher({ producer, connection: 'acme', group: 't.syspro-poller', topicOf: (entity) => `t.syspro.${entity}`, clock: () => at });
  const error = new MlcError('MLC_MAPPING_FAILED', 'no currency for the supplier', { context: { column: 'Currency' } });
  await publisher.commit({
    entity: 'supplier',
    stream: 'supplier',
    events: [],
    rejected: [{ entity: 'supplier', key: 'S001', error }],
    cursor: initialCursor({ column: 'TimeStamp', kind: 'datetime' }),
    epoch: 'e1',
    resyncs: [],
  });

  const [reject] = raw.get(REJECT_TOPIC) ?? [];
  assert.ok(reject?.headers);
  // The headers exactly as the consumer runtime builds them for a record it dead-letters.
  const runtimeHeaders = buildDlqHeaders({ error, group: 'coupa-writer', topic: 'syspro.suppliers.v1', partition: 2, offset: '41', attempts: 15, at });
  assert.deepEqual(Object.keys(reject.headers).sort(), Object.keys(runtimeHeaders).sort());

  const reason = readDeadLetterReason(reject.headers);
  assert.equal(reason?.code, 'MLC_MAPPING_FAILED');
  assert.equal(reason?.retriable, false);
  assert.equal(reason?.group, 't.syspro-poller');
  assert.equal(reason?.topic, 't.syspro.supplier');
  assert.equal(reason?.at, at.toISOString());
  assert.equal(reject.key, 'acme:supplier:S001');
});

test('a page\'s cursor record carries the epoch and the resyncs that started it, and reads back', async () => {
  const { producer, raw } = recordingProducer();
  const publisher = createKafkaPagePublisher({ producer, connection: 'acme' });
  const cursor = advance(initialCursor({ column: 'TimeStamp', kind: 'number' }), [{ Supplier: 'S9', TimeStamp: 42 }], { keyColumns: ['Supplier'] });
  await publisher.commit({ entity: 'supplier', stream: 'supplier', events: [], rejected: [], cursor, epoch: 'e-2', resyncs: ['5', '6'] });
  const [record] = raw.get(CURSOR_TOPIC) ?? [];
  assert.equal(record?.key, 'acme:supplier');
  const back = parseCursorRecord(Buffer.from(String(record?.value)), { topic: CURSOR_TOPIC, key: 'acme:supplier' });
  assert.deepEqual({ ...back, cursor: cursorToJSON(back.cursor) }, { cursor: cursorToJSON(cursor), epoch: 'e-2', resyncs: ['5', '6'] });
});

test('a reset writes every stream\'s cursor in one transaction', async () => {
  const { producer, raw } = recordingProducer();
  let transactions = 0;
  const counting = { ...producer, transaction: <T>(fn: Parameters<typeof producer.transaction<T>>[0]) => ((transactions += 1), producer.transaction(fn)) };
  const publisher = createKafkaPagePublisher({ producer: counting, connection: 'acme' });
  const fresh = initialCursor({ column: 'TimeStamp', kind: 'number' });
  await publisher.reset({ entity: 'purchase-order', epoch: 'e-3', resyncs: ['9'], cursors: [{ stream: 'purchase-order', cursor: fresh }, { stream: 'purchase-order-lines', cursor: fresh }] });
  assert.equal(transactions, 1);
  const records = raw.get(CURSOR_TOPIC) ?? [];
  assert.deepEqual(records.map((r) => r.key), ['acme:purchase-order', 'acme:purchase-order-lines']);
  for (const r of records) assert.equal(parseCursorRecord(Buffer.from(String(r.value)), { topic: CURSOR_TOPIC, key: String(r.key) }).epoch, 'e-3');
});

test('a cursor record from before epochs reads as the legacy epoch; a broken one is MLC_DECODE_FAILED', () => {
  const legacy = { connection: 'acme', stream: 'supplier', cursor: { v: 1, column: 'TimeStamp', kind: 'number', value: '7' }, committedAt: '2025-01-01T00:00:00.000Z' };
  const read = parseCursorRecord(Buffer.from(JSON.stringify(legacy)), { topic: CURSOR_TOPIC, key: 'acme:supplier' });
  assert.equal(read.epoch, LEGACY_EPOCH);
  assert.deepEqual(read.resyncs, []);
  assert.equal(read.cursor.value, '7');
  for (const bad of ['{', JSON.stringify({ ...legacy, epoch: 5 })]) {
    assert.throws(() => parseCursorRecord(Buffer.from(bad), { topic: CURSOR_TOPIC, key: 'k' }), (e: MlcError) => e.code === 'MLC_DECODE_FAILED');
  }
});
