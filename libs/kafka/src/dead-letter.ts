import type { IHeaders } from 'kafkajs';
import type { MlcError } from '@mlc/errors';
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
