import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { topicFor, type EntityType } from '@mlc/events';
import { MlcError, toMlcError } from '@mlc/errors';
import { DEFAULT_MAX_RECORD_BYTES, lastStableOffsets, rejectRecord, subscribeSettled, type EventProducer, type RawRecord } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import { PollCursorJson, cursorFromJSON, cursorToJSON } from '@mlc/syspro';
import { LEGACY_EPOCH, type CursorStore, type PagePublisher, type RejectedRow, type StoredCursor } from './ports.js';

/** Compacted topic holding every connection's poll cursors, key `<connection>:<stream>`. */
export const CURSOR_TOPIC = 'mlc.syspro-poller.cursors.v1';
/** Who rejects rows: the `group` of the poller's dead letters. */
export const POLLER_NAME = 'syspro-poller';
/** Rows the poller could not map, one record each, with the reason in the headers every DLQ carries. */
export const REJECT_TOPIC = `${POLLER_NAME}.dlq.v1`;

const CursorRecord = z.object({
  connection: z.string(),
  stream: z.string(),
  cursor: PollCursorJson,
  /** The entity's epoch (see LEGACY_EPOCH); absent in records written before epochs. */
  epoch: z.string().optional(),
  /** Resync requests applied by the reset that started the epoch. */
  resyncs: z.array(z.string()).optional(),
  committedAt: z.string(),
});
type CursorRecord = z.infer<typeof CursorRecord>;

const cursorKey = (connection: string, stream: string): string => `${connection}:${stream}`;

/** The value of a stream's record in the cursor topic. */
export function cursorRecordValue(params: { connection: string; stream: string; state: StoredCursor; at: Date }): string {
  const { connection, stream, state, at } = params;
  const record: CursorRecord = { connection, stream, cursor: cursorToJSON(state.cursor), epoch: state.epoch, committedAt: at.toISOString() };
  if (state.resyncs.length > 0) record.resyncs = [...state.resyncs];
  return JSON.stringify(record);
}

/** Reads a cursor record; throws MLC_DECODE_FAILED when it is not one. */
export function parseCursorRecord(value: Buffer, context: { topic: string; key: string }): StoredCursor {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (cause) {
    throw new MlcError('MLC_DECODE_FAILED', 'cursor record is not JSON', { cause, context });
  }
  const parsed = CursorRecord.safeParse(json);
  if (!parsed.success) throw new MlcError('MLC_DECODE_FAILED', 'cursor record is invalid', { cause: parsed.error, context });
  return { cursor: cursorFromJSON(parsed.data.cursor), epoch: parsed.data.epoch ?? LEGACY_EPOCH, resyncs: parsed.data.resyncs ?? [] };
}

export interface KafkaPagePublisherParams {
  /** A transactional producer (`transactionalId` per connection), connected. */
  producer: EventProducer;
  connection: string;
  cursorTopic?: string;
  rejectTopic?: string;
  /** Topic of an entity's events; tests map to suffixed topic names. */
  topicOf?: (entity: EntityType) => string;
  /** Who the dead letters say gave up (the namespaced poller name). */
  group?: string;
  /** What a reject record is fitted to (MLC_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
  clock?: () => Date;
}

/**
 * Commits a page as one Kafka transaction: the page's events, its rejected rows and the advanced
 * cursor become visible to read_committed consumers together or not at all. A crash before the
 * commit leaves the cursor where it was (the page is read again); after, everything is there.
 */
export function createKafkaPagePublisher({
  producer,
  connection,
  cursorTopic = CURSOR_TOPIC,
  rejectTopic = REJECT_TOPIC,
  topicOf = (entity) => topicFor('syspro', entity),
  group = POLLER_NAME,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  clock = () => new Date(),
}: KafkaPagePublisherParams): PagePublisher {
  const reject = ({ entity, key, error }: RejectedRow, at: Date): RawRecord => rejectRecord({ connection, entity, key, error, group, topic: topicOf(entity), at, maxRecordBytes });

  return {
    async commit({ entity, stream, events, rejected, cursor, epoch, resyncs }) {
      const at = clock();
      const value = cursorRecordValue({ connection, stream, state: { cursor, epoch, resyncs }, at });
      await producer.transaction(async (tx) => {
        await tx.publish(topicOf(entity), events);
        if (rejected.length > 0) await tx.sendRaw(rejectTopic, rejected.map((r) => reject(r, at)));
        await tx.sendRaw(cursorTopic, [{ key: cursorKey(connection, stream), value }]);
      });
    },
    async reset({ epoch, resyncs, cursors }) {
      const at = clock();
      await producer.transaction((tx) =>
        tx.sendRaw(
          cursorTopic,
          cursors.map(({ stream, cursor }) => ({ key: cursorKey(connection, stream), value: cursorRecordValue({ connection, stream, state: { cursor, epoch, resyncs }, at }) })),
        ),
      );
    },
  };
}

export interface KafkaCursorStoreParams {
  kafka: Kafka;
  connection: string;
  logger: Logger;
  cursorTopic?: string;
  /** Reading the compacted topic to its end must not hang a start forever. */
  timeoutMs?: number;
}

/**
 * Restores the connection's cursors by reading the cursor topic read_committed from the start to
 * its last stable offset. Call it after the transactional producer connected: initialising the
 * transactional id aborts a fenced zombie's open transaction, so the stable offset can move past it.
 */
export function createKafkaCursorStore({ kafka, connection, logger, cursorTopic = CURSOR_TOPIC, timeoutMs = 60_000 }: KafkaCursorStoreParams): CursorStore {
  const log = logger.child({ component: 'cursor-store', connection, topic: cursorTopic });

  async function endOffsets(): Promise<Map<number, bigint>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await lastStableOffsets(admin, cursorTopic);
    } finally {
      await admin.disconnect();
    }
  }

  async function load(): Promise<ReadonlyMap<string, StoredCursor>> {
    const cursors = new Map<string, StoredCursor>();
    const targets = await endOffsets().catch((error: unknown) => {
      throw toMlcError(error, { operation: 'cursor restore', topic: cursorTopic, connection });
    });
    if (targets.size === 0) return cursors;

    const groupId = `syspro-poller-restore-${connection}-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
    const reached = new Map<number, bigint>();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const progress = (partition: number, offset: string): void => {
      const previous = reached.get(partition);
      const value = BigInt(offset);
      if (previous === undefined || value > previous) reached.set(partition, value);
      if ([...targets].every(([p, end]) => (reached.get(p) ?? -1n) >= end)) finish();
    };
    // Batches made only of transaction markers reach no handler; this event still reports their offsets.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => progress(payload.partition, payload.lastOffset));

    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await subscribeSettled(consumer, { topics: [cursorTopic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const key = message.key?.toString('utf8') ?? '';
          if (key.startsWith(`${connection}:`)) {
            const stream = key.slice(connection.length + 1);
            if (message.value === null) cursors.delete(stream);
            else cursors.set(stream, parseCursorRecord(message.value, { topic: cursorTopic, key }));
          }
          progress(partition, message.offset);
        },
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new MlcError('MLC_KAFKA_UNAVAILABLE', 'cursor topic was not read to its end in time', { context: { topic: cursorTopic, connection, timeoutMs } })),
          timeoutMs,
        );
      });
      await Promise.race([done, timeout]);
      log.info({ streams: [...cursors.keys()] }, 'cursors read');
      return cursors;
    } catch (error) {
      throw toMlcError(error, { operation: 'cursor restore', topic: cursorTopic, connection });
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch((error: unknown) => log.warn({ err: error }, 'cursor reader disconnect failed'));
      await deleteGroup(groupId);
    }
  }

  async function deleteGroup(groupId: string): Promise<void> {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch (error) {
      // An empty group expires on its own; this only keeps the group list tidy.
      log.debug({ err: error, groupId }, 'could not delete the restore group');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  return { load };
}
