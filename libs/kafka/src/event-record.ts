import type { Message } from 'kafkajs';
import { WIRE_HEADER_BYTES, jsonOf, partitionKeyFor, type CanonicalEvent } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import { recordBytes } from './dead-letter.js';
import { EVENT_HEADERS } from './headers.js';

/** An event's record as the event producer sends it: its partition key, the encoded value, the event's headers. */
export function eventRecord(event: CanonicalEvent, value: Buffer): Message {
  return {
    key: partitionKeyFor(event),
    value,
    headers: {
      [EVENT_HEADERS.correlationId]: event.correlationId,
      [EVENT_HEADERS.eventType]: event.type,
      [EVENT_HEADERS.eventId]: event.id,
    },
  };
}

/**
 * MLC_PAYLOAD_TOO_LARGE, naming the event, when its record is over `maxRecordBytes` (the smallest
 * `max.message.bytes` of the topics written): the broker would refuse it, and with it every event
 * sent beside it, on every try. Undefined when it fits. `message` is its record as sent; without
 * it, the record the event will make (its JSON in the registry's wire format), for a poller to
 * decide before it sends anything.
 */
export function oversizedRecord(event: CanonicalEvent, message: Message | undefined, maxRecordBytes: number, topic?: string): MlcError | undefined {
  const record = message ?? { key: partitionKeyFor(event), value: null, headers: eventRecord(event, Buffer.alloc(0)).headers };
  const bytes = recordBytes(record) + (message === undefined ? WIRE_HEADER_BYTES + Buffer.byteLength(jsonOf(event)) : 0);
  if (bytes <= maxRecordBytes) return undefined;
  return new MlcError('MLC_PAYLOAD_TOO_LARGE', `event ${event.id} (${event.entity.type} ${event.entity.key}) makes a ${bytes}-byte record, over the ${maxRecordBytes}-byte record limit (MLC_MAX_RECORD_BYTES)`, {
    context: { ...(topic === undefined ? {} : { topic }), eventId: event.id, entity: event.entity.type, key: event.entity.key, bytes, maxRecordBytes },
  });
}
