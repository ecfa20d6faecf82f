import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopicNamespace, createInMemoryCodec } from '@mlc/kafka';
import { encodeWire } from '@mlc/events';
import { decodeOriginal, notRedrivable, physicalPosition } from './dlq.js';

test('ids in logical names get the prefix; physical ones are kept', () => {
  const ns = createTopicNamespace('stg.');
  assert.deepEqual(physicalPosition(ns, { topic: 'coupa-writer.dlq.v1', partition: 1, offset: '5' }), { topic: 'stg.coupa-writer.dlq.v1', partition: 1, offset: '5' });
  assert.deepEqual(physicalPosition(ns, { topic: 'stg.coupa-writer.dlq.v1', partition: 1, offset: '5' }), { topic: 'stg.coupa-writer.dlq.v1', partition: 1, offset: '5' });
  assert.deepEqual(physicalPosition(createTopicNamespace(''), { topic: 'a.dlq.v1', partition: 0, offset: '0' }).topic, 'a.dlq.v1');
});

test('only open entries that were Kafka records can be redriven', () => {
  const ok = { status: 'open' as const, sourceTopic: 't', sourcePartition: 0, originalValue: Buffer.from('x') };
  assert.equal(notRedrivable(ok), undefined);
  assert.ok(notRedrivable({ ...ok, status: 'redriven' }));
  assert.ok(notRedrivable({ ...ok, status: 'discarded' }));
  assert.ok(notRedrivable({ ...ok, sourcePartition: -1 }));
  assert.ok(notRedrivable({ ...ok, sourceTopic: null }));
  assert.ok(notRedrivable({ ...ok, originalValue: null }));
});

test('a truncated copy of an oversized record is refused, naming where the original is', () => {
  const truncated = {
    status: 'open' as const,
    sourceTopic: 'syspro.suppliers.v1',
    sourcePartition: 2,
    sourceOffset: '41',
    originalValue: Buffer.from('{"trunc'),
    originalHeaders: { 'mlc-dlq-truncated': 'value', 'mlc-dlq-original-bytes': '2000000', 'mlc-dlq-original-sha256': 'ab'.repeat(32) },
  };
  const why = notRedrivable(truncated);
  assert.match(why ?? '', /truncated copy/);
  assert.match(why ?? '', /syspro\.suppliers\.v1:2:41/);
  assert.match(why ?? '', /audit log/);
  assert.equal(notRedrivable({ ...truncated, originalHeaders: { 'mlc-event-id': 'e' } }), undefined, 'an ordinary entry');
});

test('a payload is read as well as it can be: registry, JSON in the wire format, text, base64', async () => {
  const codec = createInMemoryCodec({ schemas: new Map() });
  const wireJson = encodeWire(7, Buffer.from('{"broken":true}'));
  const json = await decodeOriginal(codec, 'syspro.suppliers.v1', wireJson);
  assert.equal(json.decodedAs, 'json');
  assert.deepEqual(json.value, { broken: true });
  assert.ok(json.decodeError);
  assert.equal((await decodeOriginal(codec, null, Buffer.from('plain words'))).decodedAs, 'text');
  assert.equal((await decodeOriginal(codec, null, Buffer.from([0, 1, 2, 0xff]))).decodedAs, 'base64');
  assert.equal((await decodeOriginal(codec, null, null)).decodedAs, 'none');
});
