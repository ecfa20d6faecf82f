import type { IHeaders } from 'kafkajs';
import { ENTITY_TYPES, decodeWire } from '@mlc/events';
import { MlcError, toMlcError } from '@mlc/errors';
import { DLQ_HEADERS, EVENT_HEADERS, headerString } from '@mlc/kafka';
import { classifyTopic } from './topics.js';

/** One Kafka record as audit receives it (kafkajs' message, plus where it came from). */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Milliseconds since the epoch, as kafkajs gives it. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders | undefined;
}

/** Where a row came from: the idempotence key. */
export interface RecordRef {
  topic: string;
  partition: number;
  offset: string;
  /** ISO time of the Kafka record timestamp; the partition column. */
  kafkaTs: string;
}

export interface EventRow extends RecordRef {
  eventId: string | null;
  connection: string | null;
  entityType: string | null;
  entityKey: string | null;
  source: string | null;
  eventType: string | null;
  occurredAt: string | null;
  observedAt: string | null;
  actor: string | null;
  contentHash: string | null;
  correlationId: string | null;
  causationId: string | null;
  schemaId: number;
  recordKey: string | null;
  /** JSON text. */
  headers: string;
  /** JSON text of the value as published. */
  payload: string;
}

export interface OutcomeRow extends RecordRef {
  eventId: string | null;
  eventType: string | null;
  connection: string | null;
  entityType: string | null;
  entityKey: string | null;
  correlationId: string | null;
  writer: string | null;
  status: string | null;
  targetSystem: string | null;
  targetId: string | null;
  attempts: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: string | null;
  at: string | null;
  schemaId: number;
  headers: string;
  payload: string;
}

export interface DlqRow extends RecordRef {
  component: string;
  errorCode: string | null;
  errorMessage: string | null;
  retriable: boolean | null;
  group: string | null;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: string | null;
  attempts: number | null;
  deadLetteredAt: string | null;
  eventId: string | null;
  connection: string | null;
  entityType: string | null;
  entityKey: string | null;
  correlationId: string | null;
  originalKey: Buffer | null;
  originalValue: Buffer | null;
  /** JSON text of the original record's headers (the mlc-dlq-* ones removed). */
  originalHeaders: string;
}

export interface UndecodableRow extends RecordRef {
  recordKey: Buffer | null;
  value: Buffer | null;
  headers: string;
  errorCode: string;
  errorMessage: string;
}

/** Rows of one batch, by table. */
export interface AuditRows {
  events: EventRow[];
  outcomes: OutcomeRow[];
  dlq: DlqRow[];
  undecodable: UndecodableRow[];
}

export type AuditRow =
  | { table: 'events'; row: EventRow }
  | { table: 'outcomes'; row: OutcomeRow }
  | { table: 'dlq'; row: DlqRow }
  | { table: 'undecodable'; row: UndecodableRow };

export function emptyRows(): AuditRows {
  return { events: [], outcomes: [], dlq: [], undecodable: [] };
}

export function addRow(rows: AuditRows, { table, row }: AuditRow): void {
  (rows[table] as unknown[]).push(row);
}

export function rowCount(rows: AuditRows): number {
  return rows.events.length + rows.outcomes.length + rows.dlq.length + rows.undecodable.length;
}

/**
 * The row a record becomes. Never throws: what cannot be decoded becomes an undecodable row with
 * the bytes, so a bad record is kept and never holds up its partition. Values are not validated
 * against their zod schemas (writers do that): audit keeps what was published, and reads the
 * envelope fields leniently (a field of the wrong type is stored as null, the payload keeps it).
 */
export function toAuditRow(record: KafkaRecord, prefix: string): AuditRow {
  const ref = refOf(record);
  const kind = classifyTopic(record.topic, prefix);
  try {
    if (kind === undefined) throw new MlcError('MLC_CONFIG_INVALID', `audit does not read topic ${record.topic}`, { context: { topic: record.topic } });
    if (kind.kind === 'dlq') return { table: 'dlq', row: dlqRow(record, ref, kind.component) };
    const { schemaId, payload, value } = decodeJson(record);
    const headers = headersJson(record.headers);
    if (kind.kind === 'outcome') return { table: 'outcomes', row: outcomeRow(ref, value, schemaId, headers, payload) };
    return {
      table: 'events',
      row: {
        ...ref,
        eventId: str(value.id),
        connection: str(value.connection),
        entityType: str(obj(value.entity)?.type),
        entityKey: str(obj(value.entity)?.key),
        source: str(value.source) ?? kind.source,
        eventType: str(value.type),
        occurredAt: iso(value.occurredAt),
        observedAt: iso(value.observedAt),
        actor: str(value.actor),
        contentHash: str(value.contentHash),
        correlationId: str(value.correlationId) ?? headerString(record.headers, EVENT_HEADERS.correlationId) ?? null,
        causationId: str(value.causationId),
        schemaId,
        recordKey: record.key?.toString('utf8') ?? null,
        headers,
        payload,
      },
    };
  } catch (error) {
    return { table: 'undecodable', row: undecodableRow(record, toMlcError(error, { topic: record.topic })) };
  }
}

/** The undecodable row of a record: its bytes, and why. Also for rows Postgres refused. */
export function undecodableRow(record: KafkaRecord, error: Pick<MlcError, 'code' | 'message'>): UndecodableRow {
  return {
    ...refOf(record),
    recordKey: record.key,
    value: record.value,
    headers: headersJson(record.headers),
    errorCode: error.code,
    errorMessage: error.message,
  };
}

function outcomeRow(ref: RecordRef, value: Record<string, unknown>, schemaId: number, headers: string, payload: string): OutcomeRow {
  const entity = obj(value.entity);
  const target = obj(value.target);
  const error = obj(value.error);
  const source = obj(value.source);
  return {
    ...ref,
    eventId: str(value.eventId),
    eventType: str(value.eventType),
    connection: str(value.connection),
    entityType: str(entity?.type),
    entityKey: str(entity?.key),
    correlationId: str(value.correlationId),
    writer: str(value.writer),
    status: str(value.status),
    targetSystem: str(target?.system),
    targetId: str(target?.id),
    attempts: int(value.attempts),
    errorCode: str(error?.code),
    errorMessage: str(error?.message),
    sourceTopic: str(source?.topic),
    sourcePartition: int(source?.partition),
    sourceOffset: offsetOf(source?.offset),
    at: iso(value.at),
    schemaId,
    headers,
    payload,
  };
}

function dlqRow(record: KafkaRecord, ref: RecordRef, component: string): DlqRow {
  const get = (name: string) => headerString(record.headers, name) ?? null;
  const original: Record<string, string | string[]> = {};
  const dlqNames = new Set<string>(Object.values(DLQ_HEADERS));
  for (const [name, raw] of Object.entries(headerValues(record.headers))) if (!dlqNames.has(name)) original[name] = raw;
  // Who the record is about: from the original value when it is a readable envelope, else from
  // the record key (`<connection>:<entity type>:<key>`) and the event headers.
  let envelope: Record<string, unknown> | undefined;
  try {
    envelope = decodeJson(record).value;
  } catch {
    envelope = undefined;
  }
  const fromKey = parseRecordKey(record.key?.toString('utf8'));
  const retriable = get(DLQ_HEADERS.retriable);
  return {
    ...ref,
    component,
    errorCode: get(DLQ_HEADERS.code),
    errorMessage: get(DLQ_HEADERS.message),
    retriable: retriable === null ? null : retriable === 'true',
    group: get(DLQ_HEADERS.group),
    sourceTopic: get(DLQ_HEADERS.topic),
    sourcePartition: int(Number(get(DLQ_HEADERS.partition) ?? Number.NaN)),
    sourceOffset: offsetOf(get(DLQ_HEADERS.offset)),
    attempts: int(Number(get(DLQ_HEADERS.attempts) ?? Number.NaN)),
    deadLetteredAt: iso(get(DLQ_HEADERS.at)),
    eventId: str(envelope?.id) ?? get(EVENT_HEADERS.eventId),
    connection: str(envelope?.connection) ?? fromKey?.connection ?? null,
    entityType: str(obj(envelope?.entity)?.type) ?? fromKey?.entityType ?? null,
    entityKey: str(obj(envelope?.entity)?.key) ?? fromKey?.entityKey ?? null,
    correlationId: str(envelope?.correlationId) ?? get(EVENT_HEADERS.correlationId),
    originalKey: record.key,
    originalValue: record.value,
    originalHeaders: JSON.stringify(original),
  };
}

/** `<connection>:<entity type>:<key>` (the partition key of canonical events), split; undefined otherwise. */
export function parseRecordKey(key: string | undefined): { connection: string; entityType: string; entityKey: string } | undefined {
  if (key === undefined) return undefined;
  for (const type of ENTITY_TYPES) {
    const at = key.indexOf(`:${type}:`);
    if (at > 0) return { connection: key.slice(0, at), entityType: type, entityKey: key.slice(at + type.length + 2) };
  }
  return undefined;
}

function decodeJson(record: KafkaRecord): { schemaId: number; payload: string; value: Record<string, unknown> } {
  const { schemaId, payload } = decodeWire(record.value, { topic: record.topic });
  const text = payload.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MlcError('MLC_DECODE_FAILED', `value on ${record.topic} (schema ${schemaId}) is not valid JSON`, { cause: error, context: { topic: record.topic, schemaId } });
  }
  const object = obj(value);
  if (object === undefined) throw new MlcError('MLC_DECODE_FAILED', `value on ${record.topic} is JSON but not an object`, { context: { topic: record.topic, schemaId } });
  return { schemaId, payload: text, value: object };
}

function refOf(record: KafkaRecord): RecordRef {
  const ms = Number(record.timestamp);
  // Old message formats have no timestamp (-1): the epoch keeps the row's key stable on redelivery.
  return { topic: record.topic, partition: record.partition, offset: record.offset, kafkaTs: new Date(Number.isFinite(ms) && ms >= 0 ? ms : 0).toISOString() };
}

function headerValues(headers: IHeaders | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    out[name] = Array.isArray(raw) ? raw.map((v) => v.toString()) : raw.toString();
  }
  return out;
}

function headersJson(headers: IHeaders | undefined): string {
  return JSON.stringify(headerValues(headers));
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2 ** 31 - 1 ? value : null;
}

function offsetOf(value: unknown): string | null {
  return typeof value === 'string' && /^-?\d{1,19}$/.test(value) ? value : null;
}

// Only what Postgres reads as timestamptz unambiguously; anything else stays in the payload only.
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

function iso(value: unknown): string | null {
  return typeof value === 'string' && ISO.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
}
