import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { createEventProducer } from './producer.js';
import { uniqueName, waitFor } from '@mlc/testing';
import { collect, supplierEvent, testCodec, testKafka, testLogger } from './test-support.js';
import { ensureTopics } from './topics.js';

test('a transaction makes events and a raw record visible together; an aborted one shows nothing', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('tx-events');
  const watermarks = uniqueName('tx-watermarks');
  await ensureTopics(admin, [topic, watermarks].map((name) => ({ topic: name, partitions: 1 })));
  const codec = testCodec([topic], uniqueName('unused-outcomes'));
  const producer = createEventProducer({ kafka, codec, logger: testLogger(), transactionalId: uniqueName('tx') });
  await producer.connect();
  const events = await collect(kafka, topic);
  const marks = await collect(kafka, watermarks);
  t.after(async () => {
    await Promise.all([producer.disconnect(), events.stop(), marks.stop()]);
    await admin.deleteTopics({ topics: [topic, watermarks] }).catch(() => undefined);
    await admin.disconnect();
  });

  await assert.rejects(
    producer.transaction(async (tx) => {
      await tx.publish(topic, [supplierEvent('S-aborted')]);
      throw new MlcError('MLC_DB_UNAVAILABLE', 'watermark store down');
    }),
    (e: unknown) => e instanceof MlcError && e.code === 'MLC_DB_UNAVAILABLE',
  );
  const committed = supplierEvent('S-committed');
  await producer.transaction(async (tx) => {
    await tx.publish(topic, [committed]);
    await tx.sendRaw(watermarks, [{ key: 'acme-test', value: '2024-05-01T10:00:00Z' }]);
  });

  await waitFor(() => events.messages.length >= 1 && marks.messages.length >= 1, { message: 'the committed transaction', timeoutMs: 60_000 });
  assert.deepEqual(
    await Promise.all(events.messages.map(async (m) => ((await codec.decode(topic, m.value)) as { id: string }).id)),
    [committed.id],
    'read_committed consumers never see the aborted event',
  );
  assert.equal(events.messages[0]?.headers?.['mlc-correlation-id']?.toString(), committed.correlationId);
  assert.equal(events.messages[0]?.headers?.['mlc-event-type']?.toString(), 'supplier.changed');
  assert.equal(marks.messages[0]?.value?.toString(), '2024-05-01T10:00:00Z');
});

test('publish refuses an invalid event before sending anything', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('invalid-events');
  await ensureTopics(admin, [{ topic, partitions: 1 }]);
  const producer = createEventProducer({ kafka, codec: testCodec([topic], uniqueName('o')), logger: testLogger() });
  await producer.connect();
  t.after(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  await assert.rejects(
    producer.publish(topic, [supplierEvent('S-ok'), { ...supplierEvent('S-bad'), contentHash: 'nope' }]),
    (e: unknown) => e instanceof MlcError && e.code === 'MLC_EVENT_INVALID',
  );
  const [offsets] = await admin.fetchTopicOffsets(topic);
  assert.equal(offsets?.high, '0');
});
