import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { createHash } from 'node:crypto';
import { DLQ_HEADERS, DLQ_TRUNCATION_HEADERS, NO_POSITION, buildDlqHeaders, dlqTopicFor, fitDeadLetter, readDeadLetterReason, readDeadLetterTruncation, recordBytes, rejectRecord } from './dead-letter.js';

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

test('a dead letter within the record limit is sent as it is', () => {
  const record = { key: 'acme:supplier:S1', value: Buffer.from('{"small":true}'), headers: buildDlqHeaders({ ...base, error: new MlcError('MLC_MAPPING_FAILED', 'no term') }) };
  const fitted = fitDeadLetter({ record, source: base, maxRecordBytes: 10_000, truncatedValueBytes: 100 });
  assert.equal(fitted.record, record);
  assert.equal(fitted.truncated, undefined);
});

test('an oversized dead letter becomes a truncated copy referring to its original: size, sha256, marker header, within the limit', () => {
  const value = Buffer.alloc(50_000, 'x');
  const headers = buildDlqHeaders({ ...base, error: new MlcError('MLC_MAPPING_FAILED', 'no term'), originalHeaders: { 'mlc-event-id': 'evt-1' } });
  const fitted = fitDeadLetter({ record: { key: 'acme:supplier:S1', value, headers }, source: base, maxRecordBytes: 5_000, truncatedValueBytes: 1_000 });
  assert.ok(recordBytes(fitted.record) <= 5_000);
  assert.equal(fitted.record.value?.length, 1_000);
  assert.deepEqual(fitted.record.value, value.subarray(0, 1_000));
  assert.equal(fitted.record.key, 'acme:supplier:S1');
  assert.equal(fitted.record.headers['mlc-event-id'], 'evt-1', 'original headers kept when they fit');
  assert.equal(fitted.record.headers[DLQ_TRUNCATION_HEADERS.truncated], 'value');
  const sha256 = createHash('sha256').update(value).digest('hex');
  assert.deepEqual(readDeadLetterTruncation(fitted.record.headers), { cut: ['value'], originalBytes: 50_000, originalSha256: sha256 });
  // The reason still reads back: the reference to the original is its topic, partition and offset.
  assert.deepEqual(readDeadLetterReason(fitted.record.headers), { ...readDeadLetterReason(headers) });
  assert.equal(fitted.truncated?.code, 'MLC_PAYLOAD_TOO_LARGE');
  assert.equal(fitted.truncated?.retriable, false);
  assert.deepEqual(
    { topic: fitted.truncated?.context.topic, partition: fitted.truncated?.context.partition, offset: fitted.truncated?.context.offset, valueBytes: fitted.truncated?.context.valueBytes },
    { topic: base.topic, partition: base.partition, offset: base.offset, valueBytes: 50_000 },
  );
});

test('a truncated copy whose original headers alone are over the limit drops them, keeping the reason', () => {
  const headers = buildDlqHeaders({ ...base, error: new MlcError('MLC_MAPPING_FAILED', 'no term'), originalHeaders: { huge: 'h'.repeat(10_000) } });
  const fitted = fitDeadLetter({ record: { key: 'k', value: Buffer.alloc(100), headers }, source: base, maxRecordBytes: 3_000, truncatedValueBytes: 1_000 });
  assert.ok(recordBytes(fitted.record) <= 3_000);
  assert.equal(fitted.record.headers.huge, undefined);
  assert.deepEqual(readDeadLetterTruncation(fitted.record.headers)?.cut, ['value', 'headers']);
  assert.equal(readDeadLetterReason(fitted.record.headers)?.offset, '42');
});

test('an ordinary dead letter reads as not truncated', () => {
  assert.equal(readDeadLetterTruncation(buildDlqHeaders({ ...base, error: new MlcError('MLC_MAPPING_FAILED', 'no term') })), undefined);
  assert.equal(readDeadLetterTruncation(undefined), undefined);
});

test('a truncated copy cut again keeps the reference to the true original', () => {
  const value = Buffer.alloc(50_000, 'x');
  const headers = buildDlqHeaders({ ...base, error: new MlcError('MLC_MAPPING_FAILED', 'no term') });
  const first = fitDeadLetter({ record: { key: 'k', value, headers }, source: base, maxRecordBytes: 20_000, truncatedValueBytes: 10_000 });
  const again = fitDeadLetter({ record: first.record, source: base, maxRecordBytes: 5_000, truncatedValueBytes: 1_000 });
  assert.equal(again.record.value?.length, 1_000);
  assert.deepEqual(readDeadLetterTruncation(again.record.headers), readDeadLetterTruncation(first.record.headers));
  assert.equal(readDeadLetterTruncation(again.record.headers)?.originalSha256, createHash('sha256').update(value).digest('hex'));
});

test('a rejected source row becomes a DLQ record with the reason in its headers and value, fitted to the record limit', () => {
  const at = new Date('2026-11-30T06:00:00Z');
  const error = new MlcError('MLC_MAPPING_FAILED', 'no such currency', { context: { key: 'S-1', paths: ['currency'] } });
  const record = rejectRecord({ connection: 'acme', entity: 'supplier', key: 'S-1', error, group: 'syspro-poller', topic: 'syspro.suppliers.v1', at, maxRecordBytes: 1_000_000 });
  assert.equal(record.key, 'acme:supplier:S-1');
  assert.deepEqual(JSON.parse(record.value.toString('utf8')), { connection: 'acme', entity: 'supplier', key: 'S-1', code: 'MLC_MAPPING_FAILED', message: 'no such currency', context: { key: 'S-1', paths: ['currency'] }, at: at.toISOString() });
  assert.deepEqual(readDeadLetterReason(record.headers), {
    code: 'MLC_MAPPING_FAILED',
    message: 'no such currency',
    retriable: false,
    group: 'syspro-poller',
    topic: 'syspro.suppliers.v1',
    partition: NO_POSITION,
    offset: String(NO_POSITION),
    attempts: 1,
    at: at.toISOString(),
  });

  // A runaway message is capped; a context that would still not fit is left out (the headers keep the reason).
  const runaway = new MlcError('MLC_MAPPING_FAILED', 'm'.repeat(50_000), { context: { body: 'b'.repeat(40_000) } });
  const fitted = rejectRecord({ connection: 'acme', entity: 'supplier', key: undefined, error: runaway, group: 'syspro-poller', topic: 'syspro.suppliers.v1', at, maxRecordBytes: 16_384 });
  assert.ok(recordBytes(fitted) <= 16_384, `${recordBytes(fitted)} bytes`);
  const value = JSON.parse(fitted.value.toString('utf8')) as { key: unknown; message: string; context?: unknown };
  assert.equal(fitted.key, 'acme:supplier:');
  assert.equal(value.key, null);
  assert.equal(value.message.length, 1000);
  assert.equal(value.context, undefined);
  assert.equal(readDeadLetterReason(fitted.headers)?.code, 'MLC_MAPPING_FAILED');
});
