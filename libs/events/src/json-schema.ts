import { z } from 'zod';
import { schemaForTopic } from './topics.js';

export type JsonSchemaDocument = Record<string, unknown>;

const cache = new Map<string, string>();

/**
 * The JSON Schema registered for a topic's values, generated from its zod schema.
 *
 * Draft 7: the highest draft that both Apicurio's ccompat API and @kafkajs/confluent-schema-registry
 * 3.x (ajv 7, whose default class is draft 7 only) accept. Objects come out closed
 * (`additionalProperties: false`, zod's output view), which under BACKWARD compatibility lets us add
 * optional fields and forbids removing them — the evolution we want.
 *
 * `format` is dropped where a `pattern` says the same thing (zod emits both for ISO date-times):
 * ajv in strict mode, the registry library's default, refuses to compile unknown formats, and the
 * pattern is the exact check zod applies anyway.
 */
export function jsonSchemaForTopic(topic: string): JsonSchemaDocument {
  return JSON.parse(jsonSchemaTextForTopic(topic)) as JsonSchemaDocument;
}

/** The registered text; generated once per topic, so the registry sees byte-identical schemas. */
export function jsonSchemaTextForTopic(topic: string): string {
  let text = cache.get(topic);
  if (text === undefined) {
    const doc = {
      ...z.toJSONSchema(schemaForTopic(topic), {
        target: 'draft-7',
        io: 'output',
        unrepresentable: 'throw',
        override: ({ jsonSchema }) => {
          if (typeof jsonSchema.format === 'string' && typeof jsonSchema.pattern === 'string') delete jsonSchema.format;
        },
      }),
      title: topic,
    };
    text = JSON.stringify(doc);
    cache.set(topic, text);
  }
  return text;
}
