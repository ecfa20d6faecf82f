import kafkajs, { type ICustomPartitioner, type Message, type PartitionerArgs, type PartitionMetadata, type Producer, type RecordMetadata, type Transaction } from 'kafkajs';
import { DEFAULT_MAX_RECORD_BYTES, recordBytes } from './dead-letter.js';

// kafkajs is CommonJS; Node cannot see this export by name.
const { Partitioners } = kafkajs;

/**
 * kafkajs 2.2.4 silently drops records when one send spans partitions led by different brokers and
 * a leader dies during it: the retry skips every broker that already answered the first attempt
 * (`brokersWithoutResponse` in its sendMessages), including the one that now leads the dead
 * broker's partitions, and the send resolves as if all were written. Seen on a three-broker cluster
 * (tools/stack/src/cluster.int.test.ts): acknowledged records missing after a SIGKILL. A send whose
 * records all go to ONE partition cannot hit it (its one broker is forgotten on failure and the
 * retry asks the partition's new leader), so records are sent one partition per request, with the
 * partition kafkajs' own default partitioner would pick.
 */
export interface PartitionRouter {
  /** Pass as `createPartitioner` to `kafka.producer()`: kafkajs' default partitioner, which also learns partition counts. */
  createPartitioner: ICustomPartitioner;
  /** The topic's partition count as the producer last saw it; undefined before its first send there. */
  partitionCount(topic: string): number | undefined;
  /** The partition of a keyed message among `count` partitions (kafkajs' default: murmur2 of the key). */
  partitionOf(topic: string, message: Message, count: number): number;
}

const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which kafkajs' default partitioner ports
 * with 64-bit Long objects) in 32-bit integer arithmetic: the same hash, several times cheaper.
 * It ran once per outcome and DLQ record. Property-tested against kafkajs' own.
 */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[whole]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** kafkajs' default partition of a key among `count` partitions (`toPositive(murmur2(key)) % count`). */
export function partitionOfKey(key: Buffer | string, count: number): number {
  return (murmur2(typeof key === 'string' ? Buffer.from(key, 'utf8') : key) & 0x7fffffff) % count;
}

export function createPartitionRouter(): PartitionRouter {
  const counts = new Map<string, number>();
  const partitioner = Partitioners.DefaultPartitioner();
  // The partitioner only reads the metadata (its length and leaders): one array per partition
  // count, not one per message (bounded: topics have few distinct partition counts).
  const metadata = new Map<number, PartitionMetadata[]>();
  const metadataFor = (count: number): PartitionMetadata[] => {
    let partitions = metadata.get(count);
    if (partitions === undefined) {
      partitions = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
      metadata.set(count, partitions);
    }
    return partitions;
  };
  return {
    createPartitioner: () => {
      const inner = Partitioners.DefaultPartitioner();
      return (args: PartitionerArgs) => {
        counts.set(args.topic, args.partitionMetadata.length);
        // Routed messages carry their partition: kafkajs' partitioner would filter the metadata first.
        const { partition } = args.message;
        return partition === undefined || partition === null ? inner(args) : partition;
      };
    },
    partitionCount: (topic) => counts.get(topic),
    partitionOf: (topic, message, count) =>
      message.partition === undefined && message.key !== null && message.key !== undefined
        ? partitionOfKey(message.key, count)
        : partitioner({ topic, message, partitionMetadata: metadataFor(count) }),
  };
}

export interface PartitionSendOptions {
  acks: number;
  /** Send the partitions' requests side by side (not inside a transaction: there, one after another). */
  concurrent: boolean;
  /**
   * The most record bytes (`recordBytes`) of one request to one partition; more are sent as several
   * requests, in order. kafkajs makes one batch of a request's records for a partition, and the
   * broker refuses a batch over the topic's `max.message.bytes` (MESSAGE_TOO_LARGE) although each of
   * its records fits. Default DEFAULT_MAX_RECORD_BYTES.
   */
  maxBatchBytes?: number;
}

/**
 * Sends `topicMessages` as one request per partition (see `PartitionRouter`). Order within a
 * partition is kept (one request each). A message without a key, or one for a topic whose partition
 * count is not known yet, goes alone; the first send to a topic teaches the count.
 */
export async function sendPerPartition(
  target: Producer | Transaction,
  router: PartitionRouter,
  topicMessages: readonly { topic: string; messages: readonly Message[] }[],
  { acks, concurrent, maxBatchBytes = DEFAULT_MAX_RECORD_BYTES }: PartitionSendOptions,
): Promise<RecordMetadata[]> {
  const results: RecordMetadata[] = [];
  const sendOne = async (topic: string, messages: Message[]) => {
    results.push(...(await target.send({ topic, messages, acks })));
  };
  for (const { topic, messages } of topicMessages) {
    let rest = [...messages];
    if (rest.length === 0) continue;
    if (router.partitionCount(topic) === undefined) {
      await sendOne(topic, [rest[0]!]);
      rest = rest.slice(1);
    }
    const count = router.partitionCount(topic);
    const groups = new Map<number, Message[]>();
    const alone: Message[] = [];
    for (const message of rest) {
      const keyed = message.partition !== undefined || (message.key !== null && message.key !== undefined);
      if (!keyed || count === undefined) {
        alone.push(message);
        continue;
      }
      const partition = message.partition ?? router.partitionOf(topic, message, count);
      const routed = message.partition === partition ? message : { ...message, partition };
      const group = groups.get(partition);
      if (group === undefined) groups.set(partition, [routed]);
      else group.push(routed);
    }
    // A partition's batches one after another, so they are written in order.
    const sendGroup = async (group: Message[]) => {
      for (const batch of chunkBySize(group, recordBytes, maxBatchBytes)) await sendOne(topic, batch);
    };
    const requests = [...[...groups.values()].map((group) => () => sendGroup(group)), ...alone.map((m) => () => sendOne(topic, [m]))];
    if (concurrent) await Promise.all(requests.map((r) => r()));
    else for (const r of requests) await r();
  }
  return results;
}

/**
 * Items split, in order, into runs whose sizes add up to at most `maxBytes` (an item bigger than
 * that goes alone): a partition's records into requests that fit its `max.message.bytes`.
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
