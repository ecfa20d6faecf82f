import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { uniqueName } from '@mlc/testing';
import { readCompactedTopic } from './compacted.js';
import { createEventProducer } from './producer.js';
import { testCodec, testKafka, testLogger } from './test-support.js';
import { ensureTopics } from './topics.js';

test('readCompactedTopic: the latest committed value per key of the prefix, tombstones applied, aborted writes unseen; a value off its schema is MLC_DECODE_FAILED', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('state');
  await ensureTopics(admin, [{ topic, partitions: 2, cleanupPolicy: 'compact' }]);
  const producer = createEventProducer({ kafka, codec: testCodec([], uniqueName('unused-outcomes')), logger: testLogger(), transactionalId: uniqueName('state-tx') });
  await producer.connect();
  t.after(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  const read = (keyPrefix = 'acme:') => readCompactedTopic({ kafka, topic, schema: z.number(), keyPrefix, logger: testLogger(), timeoutMs: 30_000 });
  assert.equal((await read()).size, 0);

  await producer.transaction(async (tx) => {
    await tx.sendRaw(topic, [
      { key: 'acme:a', value: '1' },
      { key: 'acme:b', value: '1' },
      { key: 'other:a', value: '"one"' },
    ]);
  });
  await producer.transaction(async (tx) => {
    await tx.sendRaw(topic, [
      { key: 'acme:a', value: '2' },
      { key: 'acme:b', value: null },
    ]);
  });
  await producer
    .transaction(async (tx) => {
      await tx.sendRaw(topic, [{ key: 'acme:a', value: 'aborted' }]);
      throw new Error('abort');
    })
    .catch(() => undefined);

  const state = await read();
  assert.deepEqual([...state], [['acme:a', 2]]);
  await assert.rejects(read('other:'), (e: unknown) => e instanceof MlcError && e.code === 'MLC_DECODE_FAILED' && e.context.key === 'other:a');
});
