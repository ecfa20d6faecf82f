import type { IHeaders, Kafka, Message, Producer, Transaction } from 'kafkajs';
import type { CanonicalEvent } from '@mlc/events';
import { MlcError, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import type { TopicCodec } from './codec.js';
import { DEFAULT_MAX_RECORD_BYTES } from './dead-letter.js';
import { eventRecord, oversizedRecord } from './event-record.js';
import { createPartitionRouter, sendPerPartition } from './partition-send.js';

/** A record whose bytes are already made, e.g. the poller's watermark. */
export interface RawRecord {
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: IHeaders;
}

export interface EventTransaction {
  publish(topic: string, events: readonly CanonicalEvent[]): Promise<void>;
  sendRaw(topic: string, records: readonly RawRecord[]): Promise<void>;
}

export interface EventProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * Encodes (and so validates) every event, then sends them keyed by `partitionKeyFor` and resolves
   * once Kafka has acknowledged all of them (acks=all, idempotent). Nothing is sent when one event
   * fails to encode.
   */
  publish(topic: string, events: readonly CanonicalEvent[]): Promise<void>;
  /**
   * Runs `fn` in one Kafka transaction: everything it publishes becomes visible to read_committed
   * consumers together, or not at all. Only with `transactionalId`. Aborts and rethrows when `fn`
   * or the commit fails.
   */
  transaction<T>(fn: (tx: EventTransaction) => Promise<T>): Promise<T>;
}

export interface CreateEventProducerParams {
  kafka: Kafka;
  codec: TopicCodec;
  logger: Logger;
  /** Enables transactions; must be stable per producing instance (e.g. `syspro-poller:<connection>`) so a restart fences its zombie. */
  transactionalId?: string;
  /**
   * The largest record, and batch per partition, sent (`MLC_MAX_RECORD_BYTES`: at most the smallest
   * `max.message.bytes` of the topics written). More events than that for one partition are sent
   * as several requests, in order; one event bigger than that is refused before anything is sent.
   * Default DEFAULT_MAX_RECORD_BYTES.
   */
  maxRecordBytes?: number;
}

/** The longest wait between two tries of a publish (kafkajs's default is 30 s). */
export const PRODUCER_RETRY_MAX_WAIT_MS = 2_000;

/** Unbounded tries, each at most PRODUCER_RETRY_MAX_WAIT_MS after the one before. */
export const PRODUCER_RETRY = { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: PRODUCER_RETRY_MAX_WAIT_MS } as const;

export function createEventProducer({ kafka, codec, logger, transactionalId, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES }: CreateEventProducerParams): EventProducer {
  const log = logger.child({ component: 'kafka-producer', ...(transactionalId === undefined ? {} : { transactionalId }) });
  // Idempotence makes kafkajs's own retries safe (no duplicates, order kept per partition), so
  // they are unbounded: publish waits for Kafka (a leader election after a broker died takes
  // ~10 s) rather than failing early. Said explicitly: kafkajs defaults an idempotent producer to
  // unbounded retries only without a `retry` option, and `kafka.producer()` always passes the
  // client's (5 retries, ~10 s): a publish then failed mid-failover (seen on a three-broker
  // cluster, tools/stack/src/cluster.int.test.ts), and a caller's retry of it may write twice.
  // The wait between two tries is capped at PRODUCER_RETRY_MAX_WAIT_MS: kafkajs doubles it up to
  // 30 s by default, so a producer that had tried through a broker's 6 s outage slept 20-30 s after
  // the new leader was there (tools/chaos broker-1-of-3-killed recovered in 55 s, over 75 s on a
  // loaded CI machine).
  // One request per partition: kafkajs loses records of a multi-leader send when a leader dies (partition-send.ts).
  const router = createPartitionRouter();
  const newProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: PRODUCER_RETRY,
      createPartitioner: router.createPartitioner,
      ...(transactionalId === undefined ? {} : { transactionalId }),
    });
  let producer = newProducer();
  // Set when a transaction could not be ended (its abort failed; after a failed commit the abort
  // is refused too). A commit or abort whose EndTxn does not reach Kafka (the broker is away)
  // leaves kafkajs's producer in COMMITTING or ABORTING for good:
  // every later transaction is refused ("Cannot call "beginTransaction" in state "ABORTING"") and a
  // poller would fail every poll until restarted (tools/chaos broker-killed, 2026-11-30). The next
  // transaction first replaces the producer: a new one with the same transactional id, whose
  // InitProducerId has the coordinator abort whatever the old one left open.
  let suspect = false;
  let replacing: Promise<void> | undefined;

  async function replace(): Promise<void> {
    const old = producer;
    producer = newProducer();
    await old.disconnect().catch((error: unknown) => log.warn({ err: error }, 'could not disconnect the transactional producer being replaced'));
    try {
      await producer.connect();
    } catch (error) {
      throw toMlcError(error, { operation: 'producer.connect', reason: 'replacing the transactional producer after a transaction that could not end' });
    }
    suspect = false;
    log.info('transactional producer replaced after a transaction that could not end');
  }

  async function encode(topic: string, events: readonly CanonicalEvent[]): Promise<Message[]> {
    const messages = await Promise.all(events.map(async (event) => eventRecord(event, await codec.encode(topic, event))));
    // Refused here, naming the event, rather than by the broker for the whole send (MESSAGE_TOO_LARGE).
    messages.forEach((message, i) => {
      const tooLarge = oversizedRecord(events[i]!, message, maxRecordBytes, topic);
      if (tooLarge !== undefined) throw tooLarge;
    });
    return messages;
  }

  async function send(target: Producer | Transaction, topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await sendPerPartition(target, router, [{ topic, messages }], { acks: -1, concurrent: false, maxBatchBytes: maxRecordBytes });
    } catch (error) {
      throw toMlcError(error, { operation: 'publish', topic, count: messages.length });
    }
  }

  async function transaction<T>(fn: (tx: EventTransaction) => Promise<T>): Promise<T> {
    if (transactionalId === undefined) {
      throw new MlcError('MLC_CONFIG_INVALID', 'transaction() needs a producer created with transactionalId');
    }
    if (suspect) await (replacing ??= replace().finally(() => (replacing = undefined)));
    let txn: Transaction;
    try {
      txn = await producer.transaction();
    } catch (error) {
      throw toMlcError(error, { operation: 'beginTransaction' });
    }
    try {
      const result = await fn({
        publish: async (topic, events) => send(txn, topic, await encode(topic, events)),
        sendRaw: async (topic, records) => send(txn, topic, records.map((r) => ({ ...r }))),
      });
      await txn.commit();
      return result;
    } catch (error) {
      // The abort can fail too (e.g. the broker is gone); the original error is the one that matters.
      await txn.abort().catch((abortError: unknown) => {
        suspect = true;
        log.warn({ err: abortError }, 'transaction abort failed; the producer is replaced before the next transaction');
      });
      throw toMlcError(error, { operation: 'transaction' });
    }
  }

  return {
    async connect() {
      try {
        await producer.connect();
      } catch (error) {
        throw toMlcError(error, { operation: 'producer.connect' });
      }
    },
    async disconnect() {
      await producer.disconnect();
    },
    async publish(topic, events) {
      if (transactionalId !== undefined) {
        // kafkajs refuses plain sends on a transactional producer; one event batch = one transaction.
        await transaction((tx) => tx.publish(topic, events));
        return;
      }
      await send(producer, topic, await encode(topic, events));
    },
    transaction,
  };
}
