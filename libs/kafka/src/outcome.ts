import type { IHeaders } from 'kafkajs';
import { EntityTypeSchema, type CanonicalEvent, type EntityType, type Outcome } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import { capErrorMessage, recordBytes } from './dead-letter.js';
import { EVENT_HEADERS, headerString, type Replay } from './headers.js';

/** What an outcome needs to know about the event it reports on. */
export interface EventIdentity {
  eventId: string;
  eventType: string;
  connection: string;
  entity: { type: EntityType; key: string };
  correlationId: string;
}

export function identityOf(event: CanonicalEvent): EventIdentity {
  return {
    eventId: event.id,
    eventType: event.type,
    connection: event.connection,
    entity: { type: event.entity.type, key: event.entity.key },
    correlationId: event.correlationId,
  };
}

/**
 * Identity of a message that failed to decode, when the failure tells enough: the codec's
 * MLC_EVENT_INVALID names the event id, entity type and key in its context; the record key
 * (`<connection>:<entity>:<sourceKey>`) gives the connection, the headers the correlation id.
 * Undefined when the event id or a known entity type is missing: such a record is reported only
 * by its DLQ record (which the audit log keeps), since an outcome would have nothing to refer to.
 */
export function identityFromDecodeError(error: MlcError, key: Buffer | null, headers: IHeaders | undefined): EventIdentity | undefined {
  const { eventId, entityType, key: entityKey } = error.context;
  const type = EntityTypeSchema.safeParse(entityType);
  if (typeof eventId !== 'string' || eventId === '' || !type.success || typeof entityKey !== 'string') return undefined;
  const recordKey = key?.toString('utf8') ?? '';
  const suffix = `:${type.data}:${entityKey}`;
  return {
    eventId,
    eventType: `${type.data}.changed`,
    connection: recordKey.endsWith(suffix) ? recordKey.slice(0, -suffix.length) : '',
    entity: { type: type.data, key: entityKey },
    correlationId: headerString(headers, EVENT_HEADERS.correlationId) ?? '',
  };
}

export interface BuildOutcomeParams {
  identity: EventIdentity;
  writer: string;
  status: Outcome['status'];
  target?: { system: string; id?: string | undefined } | undefined;
  attempts: number;
  error?: MlcError | undefined;
  source: { topic: string; partition: number; offset: string };
  /** The operator action that sent the record again, when it was (read from its headers). */
  replay?: Replay | undefined;
  reason?: string | undefined;
  at: Date;
}

export function buildOutcome({ identity, writer, status, target, attempts, error, source, replay, reason, at }: BuildOutcomeParams): Outcome {
  // Built field by field: conditional spreads made this ~8x slower, and it runs once per message.
  const outcome: Outcome = {
    eventId: identity.eventId,
    eventType: identity.eventType,
    connection: identity.connection,
    entity: identity.entity,
    correlationId: identity.correlationId,
    writer,
    status,
    attempts,
    source,
    at: at.toISOString(),
  };
  // A handler's result is passed on as it came (a null target, a reason that is no string): never
  // thrown on here, where it would fail the whole batch, but refused by the outcome's schema when
  // encoded, which dead-letters that one record naming the field.
  if (target !== undefined) outcome.target = target === null ? target : target.id === undefined ? { system: target.system } : { system: target.system, id: target.id };
  // Every outcome is kept by the audit log: a runaway message (a whole response body) must not bloat it.
  if (error !== undefined) outcome.error = { code: error.code, message: capErrorMessage(error.message) };
  if (replay !== undefined) outcome.replay = { id: replay.id, force: replay.force };
  if (reason !== undefined) outcome.reason = typeof reason === 'string' ? capErrorMessage(reason) : reason;
  return outcome;
}

// What an outcome's free-text fields keep when the outcome is still too big for a record.
const SHRUNK_TEXT_LENGTH = 200;
// Key and headers of an outcome record (partition key, correlation and event ids), generously.
const OUTCOME_KEY_AND_HEADERS_BYTES = 2048;

const cut = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** The outcome with its free-text fields (error message, reason) cut to `length` characters. */
export function shrinkOutcome(outcome: Outcome, length = SHRUNK_TEXT_LENGTH): Outcome {
  const shrunk: Outcome = { ...outcome };
  if (outcome.error !== undefined) shrunk.error = { ...outcome.error, message: cut(outcome.error.message, length) };
  if (outcome.reason !== undefined) shrunk.reason = cut(outcome.reason, length);
  return shrunk;
}

/**
 * Encodes an outcome to fit `maxRecordBytes`: as it is, or with its free-text fields cut
 * (`shrinkOutcome`). One that still does not fit (a giant key) is MLC_PAYLOAD_TOO_LARGE, not
 * retriable, naming the event and the record it reports on; it is never sent to be refused.
 */
export async function encodeOutcomeWithin(outcome: Outcome, encode: (outcome: Outcome) => Promise<Buffer>, maxRecordBytes: number): Promise<Buffer> {
  const value = await encode(outcome);
  if (fitsRecord(value, maxRecordBytes)) return value;
  const shrunk = await encode(shrinkOutcome(outcome));
  if (fitsRecord(shrunk, maxRecordBytes)) return shrunk;
  throw tooLarge(outcome, shrunk, maxRecordBytes);
}

/**
 * `encodeOutcomeWithin` with a codec's `encodeNow`: without a promise, or `undefined` when the
 * codec cannot encode without waiting (then call `encodeOutcomeWithin`). Same errors.
 */
export function encodeOutcomeWithinNow(outcome: Outcome, encode: (outcome: Outcome) => Buffer | undefined, maxRecordBytes: number): Buffer | undefined {
  const value = encode(outcome);
  if (value === undefined || fitsRecord(value, maxRecordBytes)) return value;
  const shrunk = encode(shrinkOutcome(outcome));
  if (shrunk === undefined || fitsRecord(shrunk, maxRecordBytes)) return shrunk;
  throw tooLarge(outcome, shrunk, maxRecordBytes);
}

const fitsRecord = (value: Buffer, maxRecordBytes: number): boolean => recordBytes({ value }) + OUTCOME_KEY_AND_HEADERS_BYTES <= maxRecordBytes;

function tooLarge(outcome: Outcome, shrunk: Buffer, maxRecordBytes: number): MlcError {
  return new MlcError('MLC_PAYLOAD_TOO_LARGE', `the outcome of event ${outcome.eventId} is ${shrunk.length} bytes even with its texts cut, over the ${maxRecordBytes}-byte record limit`, {
    context: { eventId: outcome.eventId, ...outcome.source, bytes: shrunk.length, maxRecordBytes },
  });
}
