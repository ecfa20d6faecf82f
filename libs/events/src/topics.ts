import { MlcError } from '@mlc/errors';
import { CanonicalEvent, ENTITIES, ENTITY_TYPES, EVENT_SCHEMAS, SOURCES, type EntityType, type Source } from './envelope.js';
import { eventInvalid } from './issues.js';
import { OUTCOMES_TOPIC, Outcome } from './outcome.js';
import { parsedPayload } from './parsed.js';

export type TopicInfo = { kind: 'entity'; source: Source; entity: EntityType } | { kind: 'outcomes' };

const TOPICS: ReadonlyMap<string, TopicInfo> = new Map<string, TopicInfo>([
  [OUTCOMES_TOPIC, { kind: 'outcomes' }],
  ...SOURCES.flatMap((source) =>
    ENTITY_TYPES.map((entity): [string, TopicInfo] => [
      `${source}.${ENTITIES[entity].plural}.v1`,
      { kind: 'entity', source, entity },
    ]),
  ),
]);

/** What a topic carries. Throws MLC_CONFIG_INVALID for a topic ml-connector has no schema for. */
export function parseTopic(topic: string): TopicInfo {
  const info = TOPICS.get(topic);
  if (info === undefined) {
    throw new MlcError(
      'MLC_CONFIG_INVALID',
      `no event schema for topic ${JSON.stringify(topic)}: expected <source>.<entity plural>.v1 or ${OUTCOMES_TOPIC}`,
      { context: { topic } },
    );
  }
  return info;
}

export type TopicSchema = (typeof EVENT_SCHEMAS)[EntityType] | typeof Outcome;

/** The zod schema of a topic's values: the entity's envelope for `<source>.<plural>.v1`, Outcome for `mlc.outcomes.v1`. */
export function schemaForTopic(topic: string): TopicSchema {
  const info = parseTopic(topic);
  return info.kind === 'outcomes' ? Outcome : EVENT_SCHEMAS[info.entity];
}

/** Every topic with a schema, for tools that register or document them all. */
export function knownTopics(): string[] {
  return [...TOPICS.keys()];
}

/** Parses any canonical event; throws MLC_EVENT_INVALID naming the field paths. */
export function validateEvent(value: unknown): CanonicalEvent {
  const result = CanonicalEvent.safeParse(value);
  if (!result.success) throw eventInvalid(`event${describe(value)}`, result.error, contextOf(value));
  return result.data;
}

/** Parses a topic's value with the topic's schema; throws MLC_EVENT_INVALID naming the field paths. */
export function validateForTopic(topic: string, value: unknown): unknown {
  const result = schemaForTopic(topic).safeParse(value);
  if (!result.success) {
    throw eventInvalid(`value on ${topic}${describe(value)}`, result.error, { topic, ...contextOf(value) });
  }
  return result.data;
}

/**
 * The JSON a topic carries for `value`, validated with the topic's schema: a built event of the
 * topic's entity (frozen, parsed once by `buildEvent`) is not parsed again; anything else is.
 * Throws MLC_EVENT_INVALID naming the field paths.
 */
export function serializeForTopic(topic: string, value: unknown): string {
  return parsedPayload(schemaForTopic(topic), value) ?? JSON.stringify(validateForTopic(topic, value));
}

// Best effort: name the record in errors when the value has an envelope shape.
function contextOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as { id?: unknown; entity?: { type?: unknown; key?: unknown } | null; eventId?: unknown };
  const context: Record<string, unknown> = {};
  if (typeof v.id === 'string') context.eventId = v.id;
  if (typeof v.eventId === 'string') context.eventId = v.eventId;
  if (typeof v.entity === 'object' && v.entity !== null) {
    if (typeof v.entity.type === 'string') context.entityType = v.entity.type;
    if (typeof v.entity.key === 'string') context.key = v.entity.key;
  }
  return context;
}

function describe(value: unknown): string {
  const { entityType, key } = contextOf(value);
  return typeof key === 'string' ? ` for ${typeof entityType === 'string' ? `${entityType} ` : ''}key ${JSON.stringify(key)}` : '';
}
