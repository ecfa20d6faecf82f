import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { topicFor } from '@mlc/events';
import { DEFAULT_MAX_RECORD_BYTES, readCompactedTopic, rejectRecord, type EventProducer, type RawRecord } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import { SupplierCursor } from './cursor.js';
import type { CursorStore, PagePublisher, RejectedRecord } from './ports.js';

export const POLLER_NAME = 'infor-poller';
/** Compacted topic holding every connection's cursor, key `<connection>:supplier`. */
export const CURSOR_TOPIC = 'mlc.infor-poller.cursors.v1';
/** Supplier records the poller could not map, with the reason in the headers every DLQ carries. */
export const REJECT_TOPIC = `${POLLER_NAME}.dlq.v1`;
export const EVENT_TOPIC = topicFor('infor', 'supplier');

const STREAM = 'supplier';
const CursorRecord = z.object({ connection: z.string(), stream: z.literal(STREAM), cursor: SupplierCursor, committedAt: z.string() });
type CursorRecord = z.infer<typeof CursorRecord>;

export interface KafkaStateTopics {
  cursorTopic?: string;
  rejectTopic?: string;
  eventTopic?: string;
}

/**
 * Commits a page as one Kafka transaction: its supplier events, its rejected records and the
 * advanced cursor become visible to read_committed consumers together or not at all. A crash
 * before the commit leaves the cursor where it was (the page is read again); after, all is there.
 */
export function createKafkaPagePublisher({
  producer,
  connection,
  group = POLLER_NAME,
  cursorTopic = CURSOR_TOPIC,
  rejectTopic = REJECT_TOPIC,
  eventTopic = EVENT_TOPIC,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  clock = () => new Date(),
}: KafkaStateTopics & { producer: EventProducer; connection: string; group?: string; maxRecordBytes?: number; clock?: () => Date }): PagePublisher {
  const reject = ({ key, error }: RejectedRecord, at: Date): RawRecord => rejectRecord({ connection, entity: 'supplier', key, error, group, topic: eventTopic, at, maxRecordBytes });
  return {
    async commit({ events, rejected, cursor }) {
      const at = clock();
      const record: CursorRecord = { connection, stream: STREAM, cursor, committedAt: at.toISOString() };
      await producer.transaction(async (tx) => {
        if (events.length > 0) await tx.publish(eventTopic, events);
        if (rejected.length > 0) await tx.sendRaw(rejectTopic, rejected.map((r) => reject(r, at)));
        await tx.sendRaw(cursorTopic, [{ key: `${connection}:${STREAM}`, value: JSON.stringify(record) }]);
      });
    },
  };
}

/** The connection's committed cursor, read from the cursor topic (after the transactional producer connected). */
export function createKafkaCursorStore({ kafka, connection, logger, cursorTopic = CURSOR_TOPIC }: { kafka: Kafka; connection: string; logger: Logger; cursorTopic?: string }): CursorStore {
  return {
    async load() {
      const key = `${connection}:${STREAM}`;
      const records = await readCompactedTopic({ kafka, topic: cursorTopic, schema: CursorRecord, keyPrefix: key, logger });
      return records.get(key)?.cursor;
    },
  };
}
