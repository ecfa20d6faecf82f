import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureTopics } from './topics.js';
import { testKafka, uniqueName } from './test-support.js';

test('ensureTopics creates, then raises partitions and aligns configs, and is idempotent', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('topics-test');
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const created = await ensureTopics(admin, [{ topic, partitions: 1, retentionMs: 60_000, cleanupPolicy: 'delete' }]);
  assert.deepEqual(created.create.map((d) => d.topic), [topic]);

  const again = await ensureTopics(admin, [{ topic, partitions: 1, retentionMs: 60_000, cleanupPolicy: 'delete' }]);
  assert.deepEqual(again, { create: [], addPartitions: [], alterConfigs: [], cannotShrink: [] });

  const changed = await ensureTopics(admin, [{ topic, partitions: 3, retentionMs: 120_000, cleanupPolicy: 'delete' }]);
  assert.deepEqual(changed.addPartitions, [{ topic, count: 3 }]);
  assert.equal(changed.alterConfigs.length, 1);

  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(metadata.topics[0]?.partitions.length, 3);
  const settled = await ensureTopics(admin, [{ topic, partitions: 3, retentionMs: 120_000, cleanupPolicy: 'delete' }]);
  assert.deepEqual(settled, { create: [], addPartitions: [], alterConfigs: [], cannotShrink: [] });
});
