import type { Admin, ITopicConfig } from 'kafkajs';
import { waitFor } from './wait-for.js';

export type TestTopic = string | { topic: string; numPartitions?: number; configEntries?: ITopicConfig['configEntries'] };

/**
 * Creates topics with the broker's default replication factor (1 on the single-broker stack, 3 on
 * `npm run stack -- up --brokers 3`, so the same tests run on either) and returns once every
 * partition has a leader: `createTopics` answers before the leaders are elected, and a producer
 * that races the election gets LEADER_NOT_AVAILABLE.
 */
export async function createTestTopics(admin: Admin, topics: readonly TestTopic[]): Promise<void> {
  const configs = topics.map((t) => (typeof t === 'string' ? { topic: t } : t));
  // Not kafkajs' waitForLeaders: right after creation a broker can still answer the metadata call
  // with UNKNOWN_TOPIC_OR_PARTITION, which kafkajs throws instead of retrying (seen in CI). The
  // wait below retries on any error until every partition has a leader.
  await admin.createTopics({
    waitForLeaders: false,
    topics: configs.map(({ topic, numPartitions = 1, configEntries }) => ({
      topic,
      numPartitions,
      ...(configEntries ? { configEntries } : {}),
    })),
  });
  const names = configs.map((c) => c.topic);
  await waitFor(
    async () => {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
      return metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    },
    { message: `leaders for ${names.join(', ')}` },
  );
}

/** How long the stable offsets must stay put before a read_committed reader counts as caught up. */
const STABLE_FOR_MS = 250;

/**
 * Waits until a read_committed reader has read everything committed on `topics`: each partition's
 * position (`reached`, the last offset it saw, control records included) at its last stable
 * offset, twice `STABLE_FOR_MS` apart. Twice, because kafkajs lists offsets read_committed (`high`
 * is the last stable offset), and Kafka answers a transaction's commit before its markers are
 * written: right after a commit the stable offset may still be below the transaction, and a
 * single reading let a reader count as caught up with none of it read (seen in CI).
 */
export async function waitCaughtUp(admin: Admin, topics: readonly string[], reached: (topic: string, partition: number) => bigint | undefined): Promise<void> {
  const read = async () => new Map((await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => [`${topic}:${p.partition}`, p] as const)))).flat());
  const upTo = (ends: Map<string, { partition: number; high: string; low: string }>) =>
    [...ends].every(([key, p]) => BigInt(p.high) === BigInt(p.low) || (reached(key.slice(0, key.lastIndexOf(':')), p.partition) ?? -1n) >= BigInt(p.high) - 1n);
  const same = (a: Map<string, { high: string }>, b: Map<string, { high: string }>) => a.size === b.size && [...a].every(([key, p]) => b.get(key)?.high === p.high);
  await waitFor(
    async () => {
      const ends = await read();
      if (!upTo(ends)) return false;
      await new Promise((resolve) => setTimeout(resolve, STABLE_FOR_MS));
      const again = await read();
      return same(ends, again) && upTo(again);
    },
    { message: `reader caught up with ${topics.join(', ')}` },
  );
}
