import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { MlcError } from '@mlc/errors';
import { createTestTopics, uniqueName, waitFor } from '@mlc/testing';
import { dlqTopicFor } from './dead-letter.js';
import { createEventProducer } from './producer.js';
import { createConsumerRuntime } from './runtime.js';
import { supplierEvent, testCodec, testKafka, testLogger } from './test-support.js';

const { Kafka, logLevel } = kafkajs;

test('a kafkajs consumer that stops for good is reported (onStopped, naming the group), not left running idle', async (t) => {
  const topic = uniqueName('crash-stop-events');
  const outcomesTopic = uniqueName('crash-stop-outcomes');
  const groupId = uniqueName('crash-stop-writer');
  const admin = testKafka().admin();
  await admin.connect();
  await createTestTopics(admin, [topic, outcomesTopic, dlqTopicFor(groupId)]);
  // kafkajs does not start a consumer again when restartOnFailure says no: the same end as a crash
  // it deems non-retriable. The crash itself is real: the topic being read is deleted.
  const kafka = new Kafka({
    clientId: uniqueName('crash-stop'),
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 100, restartOnFailure: async () => false },
  });
  const codec = testCodec([topic], outcomesTopic);
  const producer = createEventProducer({ kafka: testKafka(), codec, logger: testLogger() });
  await producer.connect();
  const handled: string[] = [];
  const stopped: MlcError[] = [];
  const runtime = createConsumerRuntime({
    kafka,
    groupId,
    topics: [topic],
    outcomesTopic,
    codec,
    handler: async (event) => {
      handled.push(event.id);
      return { status: 'created', target: { system: 'coupa', id: '1' } };
    },
    logger: testLogger(),
    retry: { initialMs: 10, maxMs: 50, maxAttempts: 3 },
    onStopped: (error) => stopped.push(error),
  });
  t.after(async () => {
    await runtime.stop();
    await producer.disconnect();
    // The events topic is gone already.
    await admin.deleteTopics({ topics: [outcomesTopic, dlqTopicFor(groupId)] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });
  await runtime.start();
  const event = supplierEvent('S-1');
  await producer.publish(topic, [event]);
  await waitFor(async () => handled.length > 0, { message: 'the event handled', timeoutMs: 60_000 });
  assert.equal(stopped.length, 0, 'a running consumer is not reported');

  await admin.deleteTopics({ topics: [topic] });
  await waitFor(async () => stopped.length > 0, { message: 'the stopped consumer reported', timeoutMs: 90_000 });
  assert.equal(stopped.length, 1);
  assert.ok(stopped[0] instanceof MlcError);
  assert.equal(stopped[0]!.context.groupId, groupId);
  assert.equal(stopped[0]!.context.operation, 'consume');
});
