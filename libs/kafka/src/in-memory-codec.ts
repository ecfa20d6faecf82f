import type { z } from 'zod';
import { decodeWire, encodeWire, parsedPayload } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import type { TopicCodec } from './codec.js';

export interface InMemoryCodecParams {
  /** zod schema per topic; schema ids are 1, 2, ... in this order. */
  schemas: ReadonlyMap<string, z.ZodType>;
}

/**
 * A TopicCodec with the registry codec's wire format (magic byte 0, int32 schema id, JSON) and
 * zod validation, but fixed schema ids instead of a registry, for any topic names. For tests and
 * benchmarks that need their own unique topics; services use the registry codec of @mlc/events.
 */
export function createInMemoryCodec({ schemas }: InMemoryCodecParams): TopicCodec {
  const idOf = new Map<string, number>();
  const byId = new Map<number, z.ZodType>();
  let next = 1;
  for (const [topic, schema] of schemas) {
    idOf.set(topic, next);
    byId.set(next, schema);
    next += 1;
  }

  function schemaOf(topic: string): { id: number; schema: z.ZodType } {
    const id = idOf.get(topic);
    if (id === undefined) throw new MlcError('MLC_CONFIG_INVALID', `no schema for topic ${JSON.stringify(topic)}`, { context: { topic } });
    return { id, schema: byId.get(id)! };
  }

  function validate(topic: string, schema: z.ZodType, value: unknown, schemaId: number): unknown {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const paths = result.error.issues.map((issue) => issue.path.join('.'));
    throw new MlcError('MLC_EVENT_INVALID', `value on ${topic} does not match its schema at ${paths.join(', ')}`, {
      context: { topic, schemaId, paths, ...identityHints(value) },
    });
  }

  function encodeNow(topic: string, value: unknown): Buffer {
    const { id, schema } = schemaOf(topic);
    // A built event of this schema was parsed once already (see `parseOnce` of @mlc/events).
    return encodeWire(id, parsedPayload(schema, value) ?? JSON.stringify(validate(topic, schema, value, id)));
  }

  function decodeNow(topic: string, value: Buffer | null): unknown {
    const { id: expected } = schemaOf(topic);
    const { schemaId, payload } = decodeWire(value, { topic });
    const schema = byId.get(schemaId);
    if (schema === undefined) throw new MlcError('MLC_DECODE_FAILED', `unknown schema id ${schemaId} on ${topic}`, { context: { topic, schemaId } });
    if (schemaId !== expected) {
      throw new MlcError('MLC_DECODE_FAILED', `schema id ${schemaId} belongs to another topic than ${topic}`, { context: { topic, schemaId } });
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (error) {
      throw new MlcError('MLC_DECODE_FAILED', `value on ${topic} is not valid JSON`, { cause: error, context: { topic, schemaId } });
    }
    return validate(topic, schema, json, schemaId);
  }

  // No registry: every call can be answered at once.
  return {
    encode: async (topic, value) => encodeNow(topic, value),
    decode: async (topic, value) => decodeNow(topic, value),
    encodeNow,
    decodeNow,
  };
}

// Same hints as the registry codec puts on MLC_EVENT_INVALID, so the runtime can name the event.
function identityHints(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as { id?: unknown; entity?: { type?: unknown; key?: unknown } | null };
  const hints: Record<string, string> = {};
  if (typeof v.id === 'string') hints.eventId = v.id;
  if (typeof v.entity === 'object' && v.entity !== null) {
    if (typeof v.entity.type === 'string') hints.entityType = v.entity.type;
    if (typeof v.entity.key === 'string') hints.key = v.entity.key;
  }
  return hints;
}
