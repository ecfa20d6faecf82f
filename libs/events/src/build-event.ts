import { MlcError } from '@mlc/errors';
import { ENTITIES, EVENT_SCHEMAS, type DataOf, type EntityType, type EventOf, type Source } from './envelope.js';
import { contentHashOf, eventIdOf } from './identity.js';
import { eventInvalid } from './issues.js';

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

/**
 * Builds a validated canonical event: `contentHash` over the canonical JSON of the parsed data,
 * `id` deterministic from source, connection, entity type, key and contentHash (see `eventIdOf`).
 * Throws MLC_EVENT_INVALID naming the field paths and the entity key.
 */
export function buildEvent<E extends EntityType>(params: BuildEventParams<E>): EventOf<E> {
  const { source, connection, entity, key, data, occurredAt, observedAt, correlationId } = params;
  const context = { source, connection, entityType: entity, key };
  if (!Object.hasOwn(ENTITIES, entity)) {
    throw new MlcError('MLC_EVENT_INVALID', `unknown entity type ${JSON.stringify(entity)} for key ${JSON.stringify(key)}`, {
      context: { ...context, paths: ['entity.type'] },
    });
  }
  const schema = EVENT_SCHEMAS[entity];
  // Hash what consumers will see: the parsed data, after zod's normalizations (e.g. trimming).
  const parsedData = ENTITIES[entity].data.safeParse(data);
  const candidate = {
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
    contentHash: parsedData.success ? contentHashOf(parsedData.data) : UNHASHABLE,
    data: parsedData.success ? parsedData.data : data,
  };
  const result = schema.safeParse(candidate);
  if (!result.success) {
    throw eventInvalid(`${entity} event for key ${JSON.stringify(key)}`, result.error, context);
  }
  const event = result.data;
  const id = eventIdOf({
    source: event.source,
    connection: event.connection,
    entityType: entity,
    key: event.entity.key,
    contentHash: event.contentHash,
  });
  return { ...event, id } as EventOf<E>;
}

function isoOf(value: string | Date): string {
  // An invalid Date is left as its string so the schema names the field instead of toISOString throwing.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  return value;
}
