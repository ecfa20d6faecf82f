import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWire } from '@mlc/events';
import { DLQ_HEADERS, EVENT_HEADERS } from '@mlc/kafka';
import { parseRecordKey, toAuditRow, type KafkaRecord } from './records.js';

const prefix = 't.';
const envelope = {
  id: 'ev-1',
  type: 'supplier.changed',
  source: 'syspro',
  connection: 'acme',
  entity: { type: 'supplier', key: 'S1' },
  occurredAt: '2026-11-02T10:00:00.000Z',
  observedAt: '2026-11-02T10:00:05.123Z',
  correlationId: 'corr-1',
  causationId: null,
  actor: 'jdoe',
  contentHash: 'a'.repeat(64),
  data: { name: 'Acme' },
};
const wire = (value: unknown, schemaId = 7) => encodeWire(schemaId, Buffer.from(JSON.stringify(value)));
const record = (topic: string, value: Buffer | null, headers: KafkaRecord['headers'] = {}): KafkaRecord => ({
  topic,
  partition: 2,
  offset: '41',
  timestamp: String(Date.parse('2026-11-02T10:00:06Z')),
  key: Buffer.from('acme:supplier:S1'),
  value,
  headers,
});

test('an event becomes an events row with its envelope fields and the payload as published', () => {
  const row = toAuditRow(record('t.syspro.suppliers.v1', wire(envelope), { [EVENT_HEADERS.correlationId]: Buffer.from('corr-1') }), prefix);
  assert.equal(row.table, 'events');
  if (row.table !== 'events') return;
  assert.deepEqual(
    { ...row.row, payload: JSON.parse(row.row.payload), headers: JSON.parse(row.row.headers) },
    {
      topic: 't.syspro.suppliers.v1',
      partition: 2,
      offset: '41',
      kafkaTs: '2026-11-02T10:00:06.000Z',
      eventId: 'ev-1',
      connection: 'acme',
      entityType: 'supplier',
      entityKey: 'S1',
      source: 'syspro',
      eventType: 'supplier.changed',
      occurredAt: '2026-11-02T10:00:00.000Z',
      observedAt: '2026-11-02T10:00:05.123Z',
      actor: 'jdoe',
      contentHash: 'a'.repeat(64),
      correlationId: 'corr-1',
      causationId: null,
      schemaId: 7,
      recordKey: 'acme:supplier:S1',
      headers: { [EVENT_HEADERS.correlationId]: 'corr-1' },
      payload: envelope,
    },
  );
});

test('fields of the wrong type are stored as null, not refused', () => {
  const row = toAuditRow(record('t.coupa.suppliers.v1', wire({ ...envelope, source: 42, occurredAt: 'yesterday', entity: 'S1' })), prefix);
  assert.equal(row.table, 'events');
  if (row.table !== 'events') return;
  assert.equal(row.row.source, 'coupa', 'the topic says which source');
  assert.equal(row.row.occurredAt, null);
  assert.equal(row.row.entityType, null);
});

test('an outcome becomes an outcomes row', () => {
  const outcome = {
    eventId: 'ev-1',
    eventType: 'supplier.changed',
    connection: 'acme',
    entity: { type: 'supplier', key: 'S1' },
    writer: 'coupa-writer',
    status: 'failed',
    target: { system: 'coupa', id: '99' },
    attempts: 3,
    error: { code: 'MLC_HTTP_SERVER_ERROR', message: '503' },
    correlationId: 'corr-1',
    source: { topic: 't.syspro.suppliers.v1', partition: 2, offset: '41' },
    at: '2026-11-02T10:00:07.000Z',
  };
  const row = toAuditRow(record('t.mlc.outcomes.v1', wire(outcome)), prefix);
  assert.equal(row.table, 'outcomes');
  if (row.table !== 'outcomes') return;
  const { topic, partition, offset, kafkaTs, headers, payload, ...fields } = row.row;
  void [topic, partition, offset, kafkaTs, headers, payload];
  assert.deepEqual(fields, {
    eventId: 'ev-1',
    eventType: 'supplier.changed',
    connection: 'acme',
    entityType: 'supplier',
    entityKey: 'S1',
    correlationId: 'corr-1',
    writer: 'coupa-writer',
    status: 'failed',
    targetSystem: 'coupa',
    targetId: '99',
    attempts: 3,
    errorCode: 'MLC_HTTP_SERVER_ERROR',
    errorMessage: '503',
    sourceTopic: 't.syspro.suppliers.v1',
    sourcePartition: 2,
    sourceOffset: '41',
    at: '2026-11-02T10:00:07.000Z',
    schemaId: 7,
  });
});

test('a parked outcome (a writer keeping a record while its target is down) is kept with its status, error and reason', () => {
  const outcome = {
    eventId: 'ev-2',
    eventType: 'supplier.changed',
    connection: 'acme',
    entity: { type: 'supplier', key: 'S2' },
    writer: 'coupa-writer',
    status: 'parked',
    attempts: 2,
    error: { code: 'MLC_HTTP_SERVER_ERROR', message: 'coupa GET /suppliers answered 503' },
    correlationId: 'corr-2',
    source: { topic: 't.syspro.suppliers.v1', partition: 0, offset: '7' },
    reason: 'coupa unavailable (MLC_HTTP_SERVER_ERROR); parked until it answers again',
    at: '2026-11-02T10:00:08.000Z',
  };
  const row = toAuditRow(record('t.mlc.outcomes.v1', wire(outcome)), prefix);
  assert.equal(row.table, 'outcomes');
  if (row.table !== 'outcomes') return;
  assert.equal(row.row.status, 'parked');
  assert.equal(row.row.errorCode, 'MLC_HTTP_SERVER_ERROR');
  assert.equal(row.row.sourceOffset, '7');
});

test('a DLQ record keeps its reason as columns and the original bytes and headers', () => {
  const value = Buffer.from('not wire format at all');
  const row = toAuditRow(
    record('t.coupa-writer.dlq.v1', value, {
      [EVENT_HEADERS.eventId]: Buffer.from('ev-9'),
      [EVENT_HEADERS.correlationId]: Buffer.from('corr-9'),
      [DLQ_HEADERS.code]: Buffer.from('MLC_MAPPING_FAILED'),
      [DLQ_HEADERS.message]: Buffer.from('no currency'),
      [DLQ_HEADERS.retriable]: Buffer.from('false'),
      [DLQ_HEADERS.group]: Buffer.from('t.coupa-writer'),
      [DLQ_HEADERS.topic]: Buffer.from('t.syspro.suppliers.v1'),
      [DLQ_HEADERS.partition]: Buffer.from('2'),
      [DLQ_HEADERS.offset]: Buffer.from('40'),
      [DLQ_HEADERS.attempts]: Buffer.from('1'),
      [DLQ_HEADERS.at]: Buffer.from('2026-11-02T10:00:08.000Z'),
    }),
    prefix,
  );
  assert.equal(row.table, 'dlq');
  if (row.table !== 'dlq') return;
  assert.equal(row.row.component, 'coupa-writer');
  assert.equal(row.row.errorCode, 'MLC_MAPPING_FAILED');
  assert.equal(row.row.retriable, false);
  assert.equal(row.row.group, 't.coupa-writer');
  assert.equal(row.row.sourcePartition, 2);
  assert.equal(row.row.sourceOffset, '40');
  assert.equal(row.row.deadLetteredAt, '2026-11-02T10:00:08.000Z');
  assert.equal(row.row.eventId, 'ev-9');
  assert.equal(row.row.correlationId, 'corr-9');
  assert.deepEqual([row.row.connection, row.row.entityType, row.row.entityKey], ['acme', 'supplier', 'S1'], 'from the record key');
  assert.deepEqual(row.row.originalValue, value);
  assert.deepEqual(JSON.parse(row.row.originalHeaders), { [EVENT_HEADERS.eventId]: 'ev-9', [EVENT_HEADERS.correlationId]: 'corr-9' });
});

test('what cannot be decoded becomes an undecodable row with its bytes', () => {
  for (const value of [null, Buffer.from('xx'), Buffer.from([1, 0, 0, 0, 1, 123]), encodeWire(1, Buffer.from('{not json')), wire([1, 2])]) {
    const row = toAuditRow(record('t.syspro.suppliers.v1', value), prefix);
    assert.equal(row.table, 'undecodable');
    if (row.table !== 'undecodable') return;
    assert.equal(row.row.errorCode, 'MLC_DECODE_FAILED');
    assert.deepEqual(row.row.value, value);
  }
});

test('a missing Kafka timestamp gives a stable time, not the clock', () => {
  const row = toAuditRow({ ...record('t.syspro.suppliers.v1', wire(envelope)), timestamp: '-1' }, prefix);
  assert.equal(row.row.kafkaTs, '1970-01-01T00:00:00.000Z');
});

test('record keys split at the entity type, keys with colons included', () => {
  assert.deepEqual(parseRecordKey('acme:east:purchase-order:PO:1'), { connection: 'acme:east', entityType: 'purchase-order', entityKey: 'PO:1' });
  assert.equal(parseRecordKey('no entity here'), undefined);
  assert.equal(parseRecordKey(undefined), undefined);
});
