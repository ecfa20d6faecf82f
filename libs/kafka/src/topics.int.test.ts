import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { MlcError } from '@mlc/errors';
import { ensureTopics, subscribeSettled } from './topics.js';
import { uniqueName } from '@mlc/testing';
import { testKafka } from './test-support.js';

// kafkajs is CommonJS; Node cannot see this export by name.
const { ConfigResourceTypes } = kafkajs;

const SETTLED = { create: [], addPartitions: [], configDifferences: [], cannotShrink: [] };

test('ensureTopics creates, raises partitions, and reports but keeps configs an operator changed', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('topics-test');
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  const warnings: Array<Record<string, unknown> | undefined> = [];
  const warn = (_message: string, extra?: Record<string, unknown>) => void warnings.push(extra);
  const retentionOf = async () => {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
    return described.resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
  };

  const created = await ensureTopics(admin, [{ topic, partitions: 1, retentionMs: 60_000, cleanupPolicy: 'delete' }], { warn });
  assert.deepEqual(created.create.map((d) => d.topic), [topic]);
  assert.equal(await retentionOf(), '60000', 'a new topic gets the defined configs');

  const again = await ensureTopics(admin, [{ topic, partitions: 1, retentionMs: 60_000, cleanupPolicy: 'delete' }], { warn });
  assert.deepEqual(again, SETTLED);
  assert.deepEqual(warnings, []);

  // An operator raises the retention by hand; the next start must leave it.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '120000' }, { name: 'cleanup.policy', value: 'delete' }] }],
  });
  const changed = await ensureTopics(admin, [{ topic, partitions: 3, retentionMs: 60_000, cleanupPolicy: 'delete' }], { warn });
  assert.deepEqual(changed.addPartitions, [{ topic, count: 3 }]);
  assert.deepEqual(changed.configDifferences, [{ topic, config: 'retention.ms', defined: '60000', actual: '120000' }]);
  assert.deepEqual(warnings, [{ topic, config: 'retention.ms', defined: '60000', actual: '120000' }]);
  assert.equal(await retentionOf(), '120000', 'the operator\'s value stays');

  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(metadata.topics[0]?.partitions.length, 3);
  const settled = await ensureTopics(admin, [{ topic, partitions: 3, retentionMs: 120_000, cleanupPolicy: 'delete' }], { warn });
  assert.deepEqual(settled, SETTLED);
});

test('services declaring the same topics at the same moment all succeed', async (t) => {
  const kafka = testKafka();
  const admins = Array.from({ length: 4 }, () => kafka.admin());
  await Promise.all(admins.map((a) => a.connect()));
  // Several topics with configs, as a service declares them: creation, then describe/alter of a
  // topic whose metadata is still propagating, is where the race shows.
  const defs = Array.from({ length: 8 }, (_, i) => ({ topic: uniqueName(`race-${i}`), partitions: 3, cleanupPolicy: 'delete' as const, retentionMs: 3_600_000 }));
  t.after(async () => {
    await admins[0]!.deleteTopics({ topics: defs.map((d) => d.topic) }).catch(() => undefined);
    await Promise.all(admins.map((a) => a.disconnect()));
  });

  const plans = await Promise.all(admins.map((admin) => ensureTopics(admin, defs)));
  const created = plans.flatMap((p) => p.create.map((d) => d.topic));
  assert.ok(created.length >= defs.length, 'every topic was created by someone');
  const settled = await ensureTopics(admins[0]!, defs);
  assert.deepEqual(settled, SETTLED);
});

test('subscribeSettled: a topic another service creates while we subscribe is waited for; a bad topic name fails at once, named', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer();
  const topic = uniqueName('topics-settle');
  const consumer = kafka.consumer({ groupId: uniqueName('topics-settle-group'), allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  t.after(async () => {
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  // The plain kafkajs call refuses a topic the broker does not know yet...
  await assert.rejects(consumer.subscribe({ topics: [topic], fromBeginning: true }), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  // ...subscribeSettled waits until it exists.
  const subscribed = subscribeSettled(consumer, { topics: [topic], fromBeginning: true });
  await new Promise((resolve) => setTimeout(resolve, 700));
  await ensureTopics(admin, [{ topic, partitions: 1 }]);
  await subscribed;
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'settled' }] });
  const received = new Promise<string>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
  });
  assert.equal(await received, 'settled');

  const other = kafka.consumer({ groupId: uniqueName('topics-settle-bad'), allowAutoTopicCreation: false });
  await other.connect();
  t.after(() => other.disconnect());
  await assert.rejects(subscribeSettled(other, { topics: ['not a topic name'] }), (error: MlcError) => {
    assert.ok(error instanceof MlcError);
    assert.deepEqual(error.context.topics, ['not a topic name']);
    assert.equal(error.context.operation, 'subscribe');
    assert.equal(error.context.attempt, 1, 'not a creation race: not tried again');
    return true;
  });
});
