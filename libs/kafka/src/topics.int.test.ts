import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureTopics } from './topics.js';
import { uniqueName } from '@mlc/testing';
import { testKafka } from './test-support.js';

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
  assert.deepEqual(settled, { create: [], addPartitions: [], alterConfigs: [], cannotShrink: [] });
});
