import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { z } from 'zod';
import { MlcError, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import { subscribeSettled } from './topics.js';

export interface ReadCompactedParams<T> {
  kafka: Kafka;
  topic: string;
  /** Each value is JSON of this shape; a value that is not is MLC_DECODE_FAILED naming topic and key. */
  schema: z.ZodType<T>;
  /** Only keys starting with this are kept (e.g. `<connection>:`); the rest are read past. */
  keyPrefix?: string;
  logger: Logger;
  /** Reading to the end must not hang a start forever. */
  timeoutMs?: number;
}

/**
 * The offset of the last committed record of each non-empty partition of `topic` (kafkajs lists
 * offsets read_committed: `high` is the last stable offset). Right after the topic was made, its
 * leader may not know it yet ("This server is not the leader for that topic-partition", seen on a
 * loaded machine: a poller's first cursor read failed): a retriable error is tried again with fresh
 * metadata, up to `attempts` times at most 1 s apart.
 */
export async function lastStableOffsets(admin: Admin, topic: string, { attempts = 10 }: { attempts?: number } = {}): Promise<Map<number, bigint>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
    } catch (error) {
      if (attempt >= attempts || (error as { retriable?: unknown }).retriable !== true) throw error;
      await delay(Math.min(100 * 2 ** attempt, 1_000));
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    }
  }
}

/**
 * The latest committed value of every key of a (compacted) state topic, tombstones applied, each
 * parsed as JSON against `schema`: reads
 * read_committed from the start to each partition's last stable offset, with a throw-away group.
 * A transactional writer must have initialised its transactional id first, so a fenced zombie's
 * open transaction is aborted and the stable offset can pass it.
 */
export async function readCompactedTopic<T>({ kafka, topic, schema, keyPrefix = '', logger, timeoutMs = 60_000 }: ReadCompactedParams<T>): Promise<Map<string, T>> {
  const log = logger.child({ component: 'state-reader', topic });
  const latest = new Map<string, Buffer>();
  let ends: Map<number, bigint>;
  const admin = kafka.admin();
  try {
    await admin.connect();
    ends = await lastStableOffsets(admin, topic);
  } catch (error) {
    throw toMlcError(error, { operation: 'state read', topic });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (ends.size === 0) return new Map();

  const groupId = `mlc-state-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  const reached = new Map<number, bigint>();
  let caughtUp!: () => void;
  const done = new Promise<void>((resolve) => (caughtUp = resolve));
  const seen = (partition: number, offset: string): void => {
    const value = BigInt(offset);
    if ((reached.get(partition) ?? -1n) < value) reached.set(partition, value);
    if ([...ends].every(([p, end]) => (reached.get(p) ?? -1n) >= end)) caughtUp();
  };
  // A batch of transaction markers only reaches no message handler; its end still moves us on.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => seen(payload.partition, payload.lastOffset));
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await subscribeSettled(consumer, { topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString('utf8') ?? '';
        if (key.startsWith(keyPrefix)) {
          if (message.value === null) latest.delete(key);
          else latest.set(key, message.value);
        }
        seen(partition, message.offset);
      },
    });
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new MlcError('MLC_KAFKA_UNAVAILABLE', 'state topic was not read to its end in time', { context: { topic, timeoutMs } })), timeoutMs);
      }),
    ]);
  } catch (error) {
    throw toMlcError(error, { operation: 'state read', topic });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch((error: unknown) => log.warn({ err: error }, 'state reader disconnect failed'));
    const cleanup = kafka.admin();
    // An empty group expires on its own; deleting it only keeps the group list tidy.
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => cleanup.disconnect().catch(() => undefined));
  }
  return new Map([...latest].map(([key, value]) => [key, decode(schema, value, { topic, key })]));
}

function decode<T>(schema: z.ZodType<T>, value: Buffer, context: { topic: string; key: string }): T {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (cause) {
    throw new MlcError('MLC_DECODE_FAILED', 'state record is not JSON', { cause, context });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new MlcError('MLC_DECODE_FAILED', 'state record does not match its schema', { cause: parsed.error, context });
  return parsed.data;
}
