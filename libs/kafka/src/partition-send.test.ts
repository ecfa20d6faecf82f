import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Message, type Producer, type ProducerRecord, type RecordMetadata } from 'kafkajs';
import fc from 'fast-check';
import { chunkBySize, createPartitionRouter, murmur2, partitionOfKey, sendPerPartition } from './partition-send.js';

/** A target that records each request and, like kafkajs, runs the producer's partitioner on it. */
function fakeTarget(router: ReturnType<typeof createPartitionRouter>, partitions: number) {
  const partitioner = router.createPartitioner();
  const requests: { topic: string; partitions: number[]; keys: string[] }[] = [];
  const target = {
    send: async ({ topic, messages }: ProducerRecord): Promise<RecordMetadata[]> => {
      const metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
      const chosen = messages.map((message: Message) => partitioner({ topic, partitionMetadata: metadata, message }));
      requests.push({ topic, partitions: [...new Set(chosen)], keys: messages.map((m) => String(m.key)) });
      return [...new Set(chosen)].map((partition) => ({ topicName: topic, partition, errorCode: 0 }));
    },
  } as unknown as Producer;
  return { target, requests };
}

test('every request goes to one partition, the one kafkajs would pick, in order per partition', async () => {
  const router = createPartitionRouter();
  const { target, requests } = fakeTarget(router, 6);
  const keys = Array.from({ length: 40 }, (_, i) => `acme:supplier:S-${i}`);
  await sendPerPartition(target, router, [{ topic: 't', messages: keys.map((key) => ({ key, value: key })) }], { acks: -1, concurrent: false });
  // The first request teaches the partition count: the first message alone.
  assert.deepEqual(requests[0]?.keys, [keys[0]]);
  for (const r of requests) assert.equal(r.partitions.length, 1, `one partition per request: ${JSON.stringify(r)}`);
  assert.deepEqual(requests.flatMap((r) => r.keys).sort(), [...keys].sort());
  assert.ok(requests.length > 2 && requests.length <= 7, `${requests.length} requests`);
  for (const r of requests) {
    const sameKeysInOrder = keys.filter((k) => r.keys.includes(k));
    assert.deepEqual(r.keys, sameKeysInOrder);
    for (const k of r.keys) assert.equal(router.partitionOf('t', { key: k, value: null }, 6), r.partitions[0]);
  }
});

test('messages without a key go one per request; several topics each get their own requests', async () => {
  const router = createPartitionRouter();
  const { target, requests } = fakeTarget(router, 3);
  await sendPerPartition(target, router, [
    { topic: 'a', messages: [{ key: null, value: '1' }, { key: null, value: '2' }, { key: 'k', value: '3' }] },
    { topic: 'b', messages: [{ key: 'k', value: '4' }] },
  ], { acks: -1, concurrent: true });
  assert.deepEqual(requests.map((r) => [r.topic, r.keys.length]), [['a', 1], ['a', 1], ['a', 1], ['b', 1]]);
});

test('a partition\'s messages over maxBatchBytes go as several requests, one after another, in order, each within the bytes (one bigger message alone)', async () => {
  const router = createPartitionRouter();
  const { target, requests } = fakeTarget(router, 1);
  const sizes = [100, 3_000, 3_000, 3_000, 9_000, 20_000, 500, 500];
  const messages = sizes.map((size, i) => ({ key: `k${i}`, value: 'v'.repeat(size) }));
  let inFlight = 0;
  let most = 0;
  const send = target.send.bind(target);
  target.send = async (record: ProducerRecord) => {
    most = Math.max(most, (inFlight += 1));
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return send(record);
  };
  await sendPerPartition(target, router, [{ topic: 't', messages }], { acks: -1, concurrent: true, maxBatchBytes: 10_000 });
  // The first alone (it teaches the partition count), then batches of at most 10,000 record bytes.
  assert.deepEqual(
    requests.map((r) => r.keys),
    [['k0'], ['k1', 'k2', 'k3'], ['k4'], ['k5'], ['k6', 'k7']],
  );
  assert.equal(most, 1, 'one request at a time for one partition');
});

test('items are split into runs within the byte limit, in order; one over it goes alone', () => {
  const sizes = [400, 400, 400, 5_000, 100];
  const chunks = chunkBySize(sizes, (n) => n, 1_000);
  assert.deepEqual(chunks, [[400, 400], [400], [5_000], [100]]);
  assert.deepEqual(chunkBySize([], (n: number) => n, 1_000), []);
});

test('partitionOf picks what kafkajs picks for each partition count, counts interleaved', () => {
  const router = createPartitionRouter();
  const kafkajsPicks = kafkajs.Partitioners.DefaultPartitioner();
  for (let i = 0; i < 200; i += 1) {
    const count = 1 + (i % 7) * 2;
    const message = { key: `acme:supplier:S-${i}`, value: null };
    const metadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
    assert.equal(router.partitionOf(`t${count}`, message, count), kafkajsPicks({ topic: `t${count}`, partitionMetadata: metadata, message }), `key ${message.key}, ${count} partitions`);
  }
});

test('murmur2 and partitionOfKey give what kafkajs computes, for any key and partition count', async () => {
  // kafkajs' own murmur2 (Long arithmetic) and default partitioner are the reference.
  const { default: kafkajsMurmur2 } = (await import('kafkajs/src/producer/partitioners/default/murmur2.js' as string)) as { default: (key: Buffer | string) => number };
  const reference = kafkajs.Partitioners.DefaultPartitioner();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const key = Buffer.from(bytes);
      assert.equal(murmur2(key), kafkajsMurmur2(key));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (key, count) => {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
      const expected = reference({ topic: 't', partitionMetadata, message: { key, value: null } });
      assert.equal(partitionOfKey(key, count), expected);
      assert.equal(partitionOfKey(Buffer.from(key, 'utf8'), count), expected);
    }),
    { numRuns: 2000 },
  );
});
