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
