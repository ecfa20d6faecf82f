import { createHash } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { MlcError } from '@mlc/errors';
import { headerString } from './headers.js';

/** A writer's dead-letter topic: `<group>.dlq.v1`. */
export function dlqTopicFor(groupId: string): string {
  return `${groupId}.dlq.v1`;
}

/** Headers the runtime adds to a dead-lettered record; the original headers are kept beside them. */
export const DLQ_HEADERS = {
  code: 'mlc-dlq-code',
  message: 'mlc-dlq-message',
  retriable: 'mlc-dlq-retriable',
  group: 'mlc-dlq-group',
  topic: 'mlc-dlq-topic',
  partition: 'mlc-dlq-partition',
  offset: 'mlc-dlq-offset',
  attempts: 'mlc-dlq-attempts',
  at: 'mlc-dlq-at',
} as const;

/** Partition and offset of a dead letter whose input was not a Kafka record (Kafka's own "none"). */
export const NO_POSITION = -1;

// Error messages are written for people; a runaway one (a whole response body) must not bloat
// every DLQ record.
const MAX_MESSAGE_LENGTH = 1000;

/** An error message cut to what a DLQ header or an outcome keeps (1000 characters). */
export function capErrorMessage(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
}

export interface DeadLetterReason {
  code: string;
  message: string;
  /** Whether the code is retriable: true means retries ran out, false means a permanent error. */
  retriable: boolean;
  /** Who gave up: a writer's consumer group id, or a source service's name (`syspro-poller`). */
  group: string;
  /** The topic of the record that failed; for a source row, the topic its event was meant for. */
  topic: string;
  /** `NO_POSITION` (-1) when what failed was not a Kafka record (a source row a poller could not map). */
  partition: number;
  /** `'-1'` when what failed was not a Kafka record. */
  offset: string;
  attempts: number;
  /** ISO 8601 time of dead-lettering. */
  at: string;
}

export interface DeadLetterInput {
  error: MlcError;
  group: string;
  topic: string;
  /** Omitted when what failed was not a Kafka record (a source row); written as `NO_POSITION`. */
  partition?: number;
  offset?: string;
  attempts: number;
  at: Date;
  /** The original record's headers; kept so a redrive republishes them unchanged. */
  originalHeaders?: IHeaders;
}

/**
 * Headers of a DLQ record: the original ones first, then the reason (which wins on a clash). Every
 * dead letter (the runtime's and a poller's rejected rows) is built here, so one reader
 * (`readDeadLetterReason`) understands them all.
 */
export function buildDlqHeaders({ error, group, topic, partition = NO_POSITION, offset = String(NO_POSITION), attempts, at, originalHeaders }: DeadLetterInput): IHeaders {
  const message = capErrorMessage(error.message);
  return {
    ...originalHeaders,
    [DLQ_HEADERS.code]: error.code,
    [DLQ_HEADERS.message]: message,
    [DLQ_HEADERS.retriable]: String(error.retriable),
    [DLQ_HEADERS.group]: group,
    [DLQ_HEADERS.topic]: topic,
    [DLQ_HEADERS.partition]: String(partition),
    [DLQ_HEADERS.offset]: offset,
    [DLQ_HEADERS.attempts]: String(attempts),
    [DLQ_HEADERS.at]: at.toISOString(),
  };
}

export interface RejectRecordInput {
  connection: string;
  entity: string;
  /** The source row's key, when the failure tells it. */
  key: string | undefined;
  error: MlcError;
  /** Who rejected it: the poller's (namespaced) name. */
  group: string;
  /** The topic its event was meant for. */
  topic: string;
  at: Date;
  maxRecordBytes: number;
}

/**
 * The DLQ record of a source row a poller could not turn into an event (it cannot be mapped, or
 * its event is over the record limit). A row never was a Kafka record: no partition or offset.
 * Fitted to `maxRecordBytes`: the message is capped, and the error's context is left out when
 * the record would still be over it (the headers keep code and message).
 */
export function rejectRecord({ connection, entity, key, error, group, topic, at, maxRecordBytes }: RejectRecordInput): DeadLetterRecord & { key: string; value: Buffer } {
  const headers = buildDlqHeaders({ error, group, topic, attempts: 1, at });
  const recordKey = `${connection}:${entity}:${key ?? ''}`;
  const valueOf = (context: Record<string, unknown> | undefined) =>
    Buffer.from(JSON.stringify({ connection, entity, key: key ?? null, code: error.code, message: capErrorMessage(error.message), ...(context === undefined ? {} : { context }), at: at.toISOString() }));
  const whole = { key: recordKey, value: valueOf(error.context), headers };
  return recordBytes(whole) <= maxRecordBytes ? whole : { ...whole, value: valueOf(undefined) };
}

/** Reads the reason back from a DLQ record's headers (for `mlc dlq` and redrive); undefined when they are missing. */
export function readDeadLetterReason(headers: IHeaders | undefined): DeadLetterReason | undefined {
  const get = (name: string): string | undefined => headerString(headers, name);
  const code = get(DLQ_HEADERS.code);
  const topic = get(DLQ_HEADERS.topic);
  const partition = Number(get(DLQ_HEADERS.partition));
  const offset = get(DLQ_HEADERS.offset);
  const attempts = Number(get(DLQ_HEADERS.attempts));
  if (code === undefined || topic === undefined || offset === undefined || !Number.isInteger(partition) || !Number.isInteger(attempts)) {
    return undefined;
  }
  return {
    code,
    message: get(DLQ_HEADERS.message) ?? '',
    retriable: get(DLQ_HEADERS.retriable) === 'true',
    group: get(DLQ_HEADERS.group) ?? '',
    topic,
    partition,
    offset,
    attempts,
    at: get(DLQ_HEADERS.at) ?? '',
  };
}

/**
 * The largest record we send (DLQ copies, outcomes), and so the largest batch per partition: a
 * bit under the broker's default `message.max.bytes` (1048588), which a topic's
 * `max.message.bytes` may lower. Set it to the smallest limit of the topics written.
 */
export const DEFAULT_MAX_RECORD_BYTES = 1_000_000;
/** How much of an oversized original value a truncated DLQ copy keeps. */
export const DEFAULT_DLQ_TRUNCATED_VALUE_BYTES = 64 * 1024;

/**
 * Headers of a DLQ record too big to carry its original whole: what was cut, and the reference to
 * the original (its coordinates are in `mlc-dlq-topic`/`-partition`/`-offset`). Not among
 * DLQ_HEADERS, so the audit log keeps them with the original headers, where `mlc dlq` sees them.
 */
export const DLQ_TRUNCATION_HEADERS = {
  /** What was cut, comma-separated: `value` (kept only its first bytes), `headers` (original headers dropped), `key`. */
  truncated: 'mlc-dlq-truncated',
  /** Size of the original value, in bytes. */
  originalBytes: 'mlc-dlq-original-bytes',
  /** SHA-256 (hex) of the original value, to check a copy found elsewhere (the source topic, the audit log). */
  originalSha256: 'mlc-dlq-original-sha256',
} as const;

// Per-record overhead in a batch (length, attributes, deltas, varints) and the batch header, rounded up.
const RECORD_OVERHEAD_BYTES = 96;
const HEADER_OVERHEAD_BYTES = 8;

const sizeOf = (value: Buffer | string | null | undefined): number => (value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length);

/** An upper estimate of the bytes a record takes in a batch: key, value, headers and overhead. */
export function recordBytes({ key, value, headers }: { key?: Buffer | string | null | undefined; value: Buffer | string | null; headers?: IHeaders | undefined }): number {
  let bytes = RECORD_OVERHEAD_BYTES + sizeOf(key) + sizeOf(value);
  for (const [name, raw] of Object.entries(headers ?? {})) {
    for (const v of Array.isArray(raw) ? raw : [raw]) bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + sizeOf(v as Buffer | string | undefined);
  }
  return bytes;
}

/** A DLQ record as it is sent. */
export interface DeadLetterRecord {
  key: Buffer | string | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface FitDeadLetterParams {
  record: DeadLetterRecord;
  /** Where the original is: named in the error. */
  source: { topic: string; partition: number; offset: string };
  maxRecordBytes: number;
  /** The most of the original value a truncated copy keeps. */
  truncatedValueBytes: number;
}

export interface FittedDeadLetter {
  record: DeadLetterRecord;
  /** Set when the copy had to be cut: MLC_PAYLOAD_TOO_LARGE, naming the original and its size. */
  truncated?: MlcError;
}

const dlqHeaderNames = new Set<string>(Object.values(DLQ_HEADERS));

/**
 * A DLQ record that fits `maxRecordBytes`: the record as it is when it fits; otherwise a truncated,
 * referenced copy (the first `truncatedValueBytes` of the value at most, the size and SHA-256 of
 * the original value, the `mlc-dlq-truncated` header), dropping the original headers, then the
 * key, only if the record still does not fit. The original stays in its source topic (and the
 * audit log), which the reason headers point to. Decided before sending, so an oversized record
 * is never sent to be refused, and never retried.
 */
export function fitDeadLetter({ record, source, maxRecordBytes, truncatedValueBytes }: FitDeadLetterParams): FittedDeadLetter {
  const bytes = recordBytes(record);
  if (bytes <= maxRecordBytes) return { record };
  const value = record.value ?? Buffer.alloc(0);
  // A copy truncated before (and refused again) keeps the reference to the true original.
  const previous = readDeadLetterTruncation(record.headers);
  const sha256 = previous?.originalSha256 ?? createHash('sha256').update(value).digest('hex');
  const originalBytes = previous?.originalBytes ?? value.length;
  const cut: string[] = previous?.cut.includes('value') ? [...previous.cut] : ['value', ...(previous?.cut ?? [])];
  let headers: IHeaders = record.headers;
  let key = record.key;
  const withMarks = (): IHeaders => ({
    ...headers,
    [DLQ_TRUNCATION_HEADERS.truncated]: cut.join(','),
    [DLQ_TRUNCATION_HEADERS.originalBytes]: String(originalBytes),
    [DLQ_TRUNCATION_HEADERS.originalSha256]: sha256,
  });
  const room = () => maxRecordBytes - recordBytes({ key, value: null, headers: withMarks() });
  if (room() < 0 && !cut.includes('headers')) {
    cut.push('headers');
    headers = Object.fromEntries(Object.entries(record.headers).filter(([name]) => dlqHeaderNames.has(name)));
  }
  if (room() < 0 && !cut.includes('key')) {
    cut.push('key');
    key = null;
  }
  const kept = Math.max(0, Math.min(truncatedValueBytes, room(), value.length));
  const fitted: DeadLetterRecord = { key, value: value.subarray(0, kept), headers: withMarks() };
  const error = new MlcError(
    'MLC_PAYLOAD_TOO_LARGE',
    `the dead letter of ${source.topic}:${source.partition}:${source.offset} is ${bytes} bytes, over the ${maxRecordBytes}-byte record limit; sent as a truncated copy (${cut.join(', ')} cut) referring to the original, which stays in ${source.topic} and the audit log`,
    { context: { ...source, bytes, valueBytes: originalBytes, maxRecordBytes, keptValueBytes: kept, cut: cut.join(','), sha256 } },
  );
  return { record: fitted, truncated: error };
}

export interface DeadLetterTruncation {
  /** What was cut: `value`, `headers`, `key`. */
  cut: string[];
  originalBytes: number | undefined;
  originalSha256: string | undefined;
}

/** Whether (and how) a DLQ record's original was truncated, from its headers (or the original headers the audit log keeps). */
export function readDeadLetterTruncation(headers: IHeaders | Record<string, string | string[]> | undefined): DeadLetterTruncation | undefined {
  const cut = headerString(headers as IHeaders | undefined, DLQ_TRUNCATION_HEADERS.truncated);
  if (cut === undefined || cut === '') return undefined;
  const bytes = Number(headerString(headers as IHeaders | undefined, DLQ_TRUNCATION_HEADERS.originalBytes));
  return {
    cut: cut.split(',').filter(Boolean),
    originalBytes: Number.isInteger(bytes) ? bytes : undefined,
    originalSha256: headerString(headers as IHeaders | undefined, DLQ_TRUNCATION_HEADERS.originalSha256),
  };
}
