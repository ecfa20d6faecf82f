// Proves that kafkajs 2.2.4 works against the broker the local stack runs (see ../README.md,
// "Kafka version"). Covers the API families Kafka 4 changed minimum versions for (KIP-896) and
// that kafkajs still speaks at old versions: admin topics/configs, idempotent produce,
// classic consumer groups with commits, and transactions with sendOffsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type EachMessagePayload } from 'kafkajs';
import { createTestTopics, testInfra, uniqueName, waitFor } from '@mlc/testing';

// kafkajs is CommonJS and Node's named-export detection misses some of its exports.
const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;
const infra = testInfra();
const kafka = new Kafka({ clientId: 'kafka-compat-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });

test('admin: create topics, describe and alter configs', async (t) => {
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('compat-admin');
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(meta.topics[0]?.partitions.length, 3);

  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  });
  // A broker applies an altered config when the controller's metadata reaches it, a moment after
  // the answer (a describe right away read the default once in CI): wait for it.
  const retention = async () => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    });
    return described.resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
  };
  await waitFor(async () => (await retention()) === '3600000', { timeoutMs: 10_000, message: 'retention.ms altered to 3600000' });
  assert.equal(await retention(), '3600000');
});

test('idempotent producer and a consumer group that commits', async (t) => {
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('compat-produce');
  const groupId = uniqueName('compat-group');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId });
  t.after(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
  await createTestTopics(admin, [topic]);

  await producer.connect();
  const [sent] = await producer.send({
    topic,
    acks: -1,
    messages: [{ key: 'k1', value: 'one' }, { key: 'k2', value: 'two' }],
  });
  assert.equal(sent?.errorCode, 0);

  const received: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }: EachMessagePayload) => {
      received.push(message.value?.toString() ?? '');
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    },
  });
  await waitFor(() => received.length === 2, { message: 'both messages consumed' });
  assert.deepEqual(received, ['one', 'two']);

  const committed = await waitFor(
    async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets?.partitions[0]?.offset === '2' ? offsets : false;
    },
    { message: 'group offset committed' },
  );
  assert.equal(committed.partitions[0]?.offset, '2');
});

test('transaction with sendOffsets commits output and input offset atomically', async (t) => {
  const admin = kafka.admin();
  await admin.connect();
  const input = uniqueName('compat-tx-in');
  const output = uniqueName('compat-tx-out');
  const groupId = uniqueName('compat-tx-group');
  const producer = kafka.producer({ transactionalId: uniqueName('compat-tx'), idempotent: true, maxInFlightRequests: 1 });
  const reader = kafka.consumer({ groupId: uniqueName('compat-tx-reader'), readUncommitted: false });
  t.after(async () => {
    await reader.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [input, output] });
    await admin.disconnect();
  });
  await createTestTopics(admin, [input, output]);
  await producer.connect();

  const aborted = await producer.transaction();
  await aborted.send({ topic: output, messages: [{ value: 'aborted' }] });
  await aborted.abort();

  const tx = await producer.transaction();
  await tx.send({ topic: output, messages: [{ value: 'committed' }] });
  await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }] });
  await tx.commit();

  // The coordinator writes the commit markers after EndTxn has answered, so the offset becomes
  // visible to OffsetFetch shortly after commit() resolves (seen: -1 right after, on a busy machine).
  const offset = await waitFor(
    async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
      const value = offsets?.partitions[0]?.offset;
      return value === '-1' ? undefined : value;
    },
    { message: 'transactional offset visible' },
  );
  assert.equal(offset, '7');

  // read_committed must skip the aborted record and its transaction markers.
  const values: string[] = [];
  await reader.connect();
  await reader.subscribe({ topic: output, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
  await waitFor(() => values.length >= 1, { message: 'committed record read' });
  assert.deepEqual(values, ['committed']);
});
