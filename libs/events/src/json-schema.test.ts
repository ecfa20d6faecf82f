import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildEvent } from './build-event.js';
import { jsonSchemaForTopic } from './json-schema.js';
import { OUTCOMES_TOPIC, type Outcome } from './outcome.js';
import { supplierParams } from './test-support.js';
import { knownTopics } from './topics.js';
import { SCHEMAS_DIR, schemaFiles } from './write-schemas.js';

// The class the registry library compiles JSON schemas with (ajv 7, its default options), so these
// tests show what a consumer using that library would accept.
interface LibraryJsonSchema {
  validatePayload(payload: unknown): void;
}
const require = createRequire(import.meta.url);
const JsonSchema = (require('@kafkajs/confluent-schema-registry/dist/JsonSchema.js') as {
  default: new (schema: { type: 'JSON'; schema: string }) => LibraryJsonSchema;
}).default;

function compiled(topic: string): LibraryJsonSchema {
  return new JsonSchema({ type: 'JSON', schema: JSON.stringify(jsonSchemaForTopic(topic)) });
}

function invalidPaths(schema: LibraryJsonSchema, payload: unknown): string[] {
  try {
    schema.validatePayload(payload);
  } catch (error) {
    assert.equal((error as Error).name, 'ConfluentSchemaRegistryValidationError');
    return (error as { paths: string[][] }).paths.flat();
  }
  assert.fail('expected the payload to be rejected');
}

test('every topic schema is draft 7 and compiles in the registry library', () => {
  for (const topic of knownTopics()) {
    assert.equal(jsonSchemaForTopic(topic).$schema, 'http://json-schema.org/draft-07/schema#');
    assert.doesNotThrow(() => compiled(topic), topic);
  }
});

test('the generated schema accepts a valid event and rejects invalid ones', () => {
  const schema = compiled('syspro.suppliers.v1');
  const event = buildEvent(supplierParams());
  schema.validatePayload(JSON.parse(JSON.stringify(event)));
  assert.deepEqual(invalidPaths(schema, { ...event, contentHash: 'xyz' }), ['/contentHash']);
  assert.deepEqual(invalidPaths(schema, { ...event, occurredAt: '2024-02-30T00:00:00Z' }), ['/occurredAt']);
  assert.deepEqual(invalidPaths(schema, { ...event, data: { ...event.data, currency: 'rand' } }), ['/data/currency']);
  assert.deepEqual(invalidPaths(schema, { ...event, type: 'invoice.changed' }), ['/type']);
  const { correlationId: _dropped, ...missing } = event;
  assert.deepEqual(invalidPaths(schema, missing), ['']);
});

test('optional fields may be absent, nullable ones null', () => {
  const schema = compiled('syspro.suppliers.v1');
  const event = buildEvent(supplierParams({ data: { number: 'S-1', name: 'Min', status: 'inactive' }, actor: null }));
  schema.validatePayload(JSON.parse(JSON.stringify(event)));
});

test('the outcome schema accepts an outcome', () => {
  const outcome: Outcome = {
    eventId: 'e-1',
    eventType: 'supplier.changed',
    connection: 'acme-prod',
    entity: { type: 'supplier', key: 'S-100' },
    writer: 'coupa-writer',
    status: 'created',
    target: { system: 'coupa', id: '42' },
    attempts: 1,
    correlationId: 'corr-1',
    source: { topic: 'syspro.suppliers.v1', partition: 0, offset: '17' },
    at: '2024-05-01T08:00:06Z',
  };
  compiled(OUTCOMES_TOPIC).validatePayload(outcome);
  assert.deepEqual(invalidPaths(compiled(OUTCOMES_TOPIC), { ...outcome, status: 'maybe' }), ['/status']);
});

test('libs/events/schemas matches the zod schemas (run `npm run schemas -w @mlc/events`)', () => {
  const expected = schemaFiles();
  const onDisk = readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith('.json'));
  assert.deepEqual(onDisk.sort(), [...expected.keys()].sort());
  for (const [name, text] of expected) assert.equal(readFileSync(join(SCHEMAS_DIR, name), 'utf8'), text, name);
});
