import { MlcError } from '@mlc/errors';
import type { z } from 'zod';
import { ENTITIES, EVENT_SCHEMAS, type CanonicalEvent, type DataOf, type EntityType, type EventOf, type Source } from './envelope.js';
import { canonicalJson } from './canonical-json.js';
import { contentHashOfJson, eventIdOf } from './identity.js';
import { eventInvalid } from './issues.js';
import { parseOnce, rememberParsed } from './parsed.js';

export interface BuildEventParams<E extends EntityType> {
  source: Source;
  connection: string;
  entity: E;
  /** The record's natural key in the source (supplier number, PO number, ...). */
  key: string;
  /** Full normalized snapshot of the record, never a diff. */
  data: DataOf<E>;
  /** Source time of the change; a Date is written as ISO 8601 UTC. */
  occurredAt: string | Date;
  /** When ml-connector saw it; passed in so mappers stay free of clocks. */
  observedAt: string | Date;
  correlationId: string;
  actor?: string | null;
  causationId?: string | null;
}

// Stands in for the hash while data is invalid, so that one parse reports every failing field.
const UNHASHABLE = '0'.repeat(64);

/** Each entity's envelope without its data: the data is parsed on its own (once, see `parseOnce`). */
type Envelope = Omit<CanonicalEvent, 'data'>;
const ENVELOPES = Object.fromEntries(Object.entries(EVENT_SCHEMAS).map(([entity, schema]) => [entity, schema.omit({ data: true })])) as unknown as Record<
  EntityType,
  z.ZodType<Envelope>
>;

/**
 * Builds a validated canonical event: `contentHash` over the canonical JSON of the parsed data,
 * `id` deterministic from source, connection, entity type, key and contentHash (see `eventIdOf`).
 * Throws MLC_EVENT_INVALID naming the field paths and the entity key.
 *
 * One zod pass per record: the data is parsed unless it is already the frozen output of the
 * entity's data schema (a mapper's `parseOnce`), the envelope is parsed without the data, and the
 * event comes back frozen and remembered as its entity schema's output, with its JSON (the
 * canonical data JSON the hash covers), so a codec's `encode` sends it without parsing it again.
 */
export function buildEvent<E extends EntityType>(params: BuildEventParams<E>): EventOf<E> {
  const { source, connection, entity, key, data, occurredAt, observedAt, correlationId } = params;
  const context = { source, connection, entityType: entity, key };
  if (!Object.hasOwn(ENTITIES, entity)) {
    throw new MlcError('MLC_EVENT_INVALID', `unknown entity type ${JSON.stringify(entity)} for key ${JSON.stringify(key)}`, {
      context: { ...context, paths: ['entity.type'] },
    });
  }
  // Hash what consumers will see: the parsed data, after zod's normalizations (e.g. trimming).
  const parsedData = parseOnce(ENTITIES[entity].data as unknown as z.ZodType<DataOf<E>>, data);
  const dataJson = parsedData.success ? canonicalJson(parsedData.data) : undefined;
  const envelope = {
    id: 'pending',
    type: `${entity}.changed`,
    source,
    connection,
    entity: { type: entity, key },
    occurredAt: isoOf(occurredAt),
    observedAt: isoOf(observedAt),
    correlationId,
    causationId: params.causationId ?? null,
    actor: params.actor ?? null,
    contentHash: dataJson === undefined ? UNHASHABLE : contentHashOfJson(dataJson),
  };
  const parsedEnvelope = ENVELOPES[entity].safeParse(envelope);
  if (!parsedData.success || !parsedEnvelope.success) {
    // The slow path, for the message: one parse of the whole event names every failing field.
    const whole = EVENT_SCHEMAS[entity].safeParse({ ...envelope, data: parsedData.success ? parsedData.data : data });
    const error = whole.success ? (parsedData.error ?? parsedEnvelope.error)! : whole.error;
    throw eventInvalid(`${entity} event for key ${JSON.stringify(key)}`, error, context);
  }
  const head = parsedEnvelope.data;
  head.id = eventIdOf({ source: head.source, connection: head.connection, entityType: entity, key: head.entity.key, contentHash: head.contentHash });
  const event = { ...head, data: parsedData.data } as unknown as EventOf<E>;
  rememberParsed(EVENT_SCHEMAS[entity], event, `${JSON.stringify(head).slice(0, -1)},"data":${dataJson!}}`);
  return event;
}

function isoOf(value: string | Date): string {
  // An invalid Date is left as its string so the schema names the field instead of toISOString throwing.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  return value;
}
