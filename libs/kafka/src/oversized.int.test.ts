// A dead letter bigger than its topic's max.message.bytes: sent as a truncated copy that refers to
// its original, decided before sending, so the partition moves on instead of retrying forever.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { MlcError } from '@mlc/errors';
import type { Outcome } from '@mlc/events';
import { createTestTopics, uniqueName, waitFor } from '@mlc/testing';
import { DLQ_TRUNCATION_HEADERS, dlqTopicFor, readDeadLetterReason, readDeadLetterTruncation, recordBytes } from './dead-letter.js';
import { createEventProducer } from './producer.js';
import { createConsumerRuntime } from './runtime.js';
import { collect, committedOffset, supplierEvent, testCodec, testKafka, testLogger } from './test-support.js';

const TOPIC_LIMIT = 20_000;

async function deadLetterHugeEvent(t: TestContext, { maxRecordBytes, keptBytes }: { maxRecordBytes: number | undefined; keptBytes: number }): Promise<void> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('events');
  const outcomesTopic = uniqueName('outcomes');
  const groupId = uniqueName('writer');
  const dlqTopic = dlqTopicFor(groupId);
  const topics = [topic, outcomesTopic, dlqTopic];
  await createTestTopics(admin, [topic, outcomesTopic, { topic: dlqTopic, configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_LIMIT) }] }]);
  const codec = testCodec([topic], outcomesTopic);
  const producer = createEventProducer({ kafka, codec, logger: testLogger() });
  await producer.connect();
  const handled: string[] = [];
  const runtime = createConsumerRuntime({
    kafka,
    groupId,
    topics: [topic],
    codec,
    logger: testLogger(),
    retry: { initialMs: 10, maxMs: 50, maxAttempts: 3 },
    outcomesTopic,
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
    dlqTruncatedValueBytes: 1_000,
    handler: async (event) => {
      handled.push(event.entity.key);
      if (event.entity.key === 'S-HUGE') throw new MlcError('MLC_VENDOR_REJECTED', 'the vendor refuses a name this long', { context: { status: 422 } });
      return { status: 'created' };
    },
  });
  const source = await collect(kafka, topic);
  const dlq = await collect(kafka, dlqTopic);
  const outcomes = await collect(kafka, outcomesTopic);
  t.after(async () => {
    await runtime.stop();
    await Promise.all([source.stop(), dlq.stop(), outcomes.stop()]);
    await producer.disconnect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  const huge = supplierEvent('S-HUGE', 'n'.repeat(200_000));
  const next = supplierEvent('S-NEXT');
  await producer.publish(topic, [huge, next]);
  await runtime.start();

  await waitFor(async () => (await committedOffset(admin, groupId, topic)) === 2, { message: 'both events committed', timeoutMs: 60_000 });
  await waitFor(() => dlq.messages.length === 1 && outcomes.messages.length === 2 && source.messages.length === 2, { message: 'the DLQ copy and two outcomes', timeoutMs: 60_000 });
  assert.deepEqual(handled, ['S-HUGE', 'S-NEXT'], 'the non-retriable failure is handled once; the next event follows');

  const [copy] = dlq.messages;
  const original = source.messages[0]!.value!;
  assert.ok(original.length > 200_000);
  assert.ok(recordBytes({ key: copy!.key, value: copy!.value, headers: copy!.headers }) <= TOPIC_LIMIT);
  assert.equal(copy!.value?.length, keptBytes);
  assert.deepEqual(copy!.value, original.subarray(0, keptBytes));
  assert.deepEqual(readDeadLetterTruncation(copy!.headers), { cut: ['value'], originalBytes: original.length, originalSha256: createHash('sha256').update(original).digest('hex') });
  assert.equal(copy!.headers?.[DLQ_TRUNCATION_HEADERS.truncated]?.toString(), 'value');
  const reason = readDeadLetterReason(copy!.headers);
  assert.deepEqual({ code: reason?.code, topic: reason?.topic, partition: reason?.partition, offset: reason?.offset }, { code: 'MLC_VENDOR_REJECTED', topic, partition: 0, offset: '0' });

  const decoded = await Promise.all(outcomes.messages.map(async (m) => (await codec.decode(outcomesTopic, m.value)) as Outcome));
  assert.deepEqual(decoded.map((o) => [o.entity.key, o.status]), [['S-HUGE', 'dead-lettered'], ['S-NEXT', 'created']]);
}

test('a huge failing event is dead-lettered as a truncated copy referring to its original, decided before sending, and the partition moves on', async (t) => {
  await deadLetterHugeEvent(t, { maxRecordBytes: TOPIC_LIMIT, keptBytes: 1_000 });
});
