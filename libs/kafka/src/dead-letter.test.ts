import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { DLQ_HEADERS, NO_POSITION, buildDlqHeaders, dlqTopicFor, readDeadLetterReason } from './dead-letter.js';

const base = {
  group: 'coupa-writer',
  topic: 'syspro.suppliers.v1',
  partition: 3,
  offset: '42',
  attempts: 5,
  at: new Date('2025-01-02T03:04:05.000Z'),
};

test('the DLQ topic is per group', () => {
  assert.equal(dlqTopicFor('coupa-writer'), 'coupa-writer.dlq.v1');
});

test('headers carry the reason and read back to the same values', () => {
  const error = new MlcError('MLC_HTTP_SERVER_ERROR', 'Coupa answered 503', { context: { status: 503 } });
  const headers = buildDlqHeaders({ ...base, error });
  assert.deepEqual(readDeadLetterReason(headers), {
    code: 'MLC_HTTP_SERVER_ERROR',
    message: 'Coupa answered 503',
    retriable: true,
    group: 'coupa-writer',
    topic: 'syspro.suppliers.v1',
    partition: 3,
    offset: '42',
    attempts: 5,
    at: '2025-01-02T03:04:05.000Z',
  });
});

test('original headers are kept, but cannot forge the reason', () => {
  const error = new MlcError('MLC_MAPPING_FAILED', 'no payment terms mapping');
  const headers = buildDlqHeaders({
    ...base,
    error,
    originalHeaders: { 'mlc-correlation-id': Buffer.from('corr-1'), [DLQ_HEADERS.code]: 'MLC_FAKE' },
  });
  assert.deepEqual(headers['mlc-correlation-id'], Buffer.from('corr-1'));
  assert.equal(headers[DLQ_HEADERS.code], 'MLC_MAPPING_FAILED');
  assert.equal(headers[DLQ_HEADERS.retriable], 'false');
});

test('long messages are cut to a bounded size', () => {
  const error = new MlcError('MLC_VENDOR_REJECTED', 'x'.repeat(10_000));
  const message = String(buildDlqHeaders({ ...base, error })[DLQ_HEADERS.message]);
  assert.equal(message.length, 1000);
});

test('headers as kafkajs delivers them (Buffers) are read', () => {
  const error = new MlcError('MLC_DECODE_FAILED', 'bad magic byte');
  const asBuffers = Object.fromEntries(Object.entries(buildDlqHeaders({ ...base, error })).map(([k, v]) => [k, Buffer.from(String(v))]));
  assert.equal(readDeadLetterReason(asBuffers)?.code, 'MLC_DECODE_FAILED');
  assert.equal(readDeadLetterReason(asBuffers)?.partition, 3);
});

test('a record without the reason headers reads as undefined', () => {
  assert.equal(readDeadLetterReason({ 'mlc-correlation-id': 'x' }), undefined);
  assert.equal(readDeadLetterReason(undefined), undefined);
});

test('a dead letter that was not a Kafka record (a source row) has the same headers and reads back with no position', () => {
  const error = new MlcError('MLC_MAPPING_FAILED', 'row has no supplier code');
  const fromRecord = buildDlqHeaders({ ...base, error });
  const fromRow = buildDlqHeaders({ error, group: 'syspro-poller', topic: 'syspro.suppliers.v1', attempts: 1, at: base.at });
  assert.deepEqual(Object.keys(fromRow).sort(), Object.keys(fromRecord).sort());
  const reason = readDeadLetterReason(fromRow);
  assert.equal(reason?.partition, NO_POSITION);
  assert.equal(reason?.offset, String(NO_POSITION));
  assert.equal(reason?.group, 'syspro-poller');
});
