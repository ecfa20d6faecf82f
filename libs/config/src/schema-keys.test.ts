import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { connectionsFileSchema } from './connections.js';
import { DatabaseEnv } from './env.js';
import { documentationGaps, envDocumentationGaps, schemaKeys } from './schema-keys.js';

const schema = z
  .object({
    name: z.string(),
    size: z.number().default(3),
    kind: z.enum(['a', 'b']).optional(),
    nested: z.object({ flag: z.boolean().default(true) }).prefault({}),
    items: z.array(z.object({ id: z.string() })).default([]),
    byKey: z.record(z.string(), z.object({ on: z.boolean() })).default({}),
    piped: z.preprocess((v) => v, z.object({ inner: z.string() })).optional(),
  })
  .strict();

test('schemaKeys flattens nested objects, arrays and records, with type, required and default', () => {
  assert.deepEqual(schemaKeys(schema, 'x'), [
    { path: 'x.name', type: 'string', required: true },
    { path: 'x.size', type: 'number', required: false, default: '3' },
    { path: 'x.kind', type: '"a" | "b"', required: false },
    { path: 'x.nested', type: 'object', required: false, default: '{}' },
    { path: 'x.nested.flag', type: 'boolean', required: false, default: 'true' },
    { path: 'x.items', type: 'object[]', required: false, default: '[]' },
    { path: 'x.items[].id', type: 'string', required: true },
    { path: 'x.byKey', type: '{ [string]: object }', required: false, default: '{}' },
    { path: 'x.byKey.<key>.on', type: 'boolean', required: true },
    { path: 'x.piped', type: 'object', required: false },
    { path: 'x.piped.inner', type: 'string', required: true },
  ]);
});

test('documentationGaps: missing keys and wrong required/default cells', () => {
  const doc = ['| `name` | string | optional | |', '| `size` | number | default `4` | |', '| `nested.flag` | boolean | default `true` | |'].join('\n');
  const keys = schemaKeys(z.object({ name: z.string(), size: z.number().default(3), nested: z.object({ flag: z.boolean().default(true) }).prefault({}) }));
  const gaps = documentationGaps(keys, doc);
  assert.deepEqual(gaps, ['name: required, documented as "optional"', 'size: default 3, documented as "default `4`"', 'nested: not documented']);
});

test('docs/CONFIGURATION.md documents every key of the connection sections as the schema has it', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/CONFIGURATION.md'), 'utf8');
  // Documented per connection: `syspro.odata.url` for `connections[].syspro.odata.url`.
  const keys = schemaKeys(connectionsFileSchema()).flatMap((key) =>
    key.path.startsWith('connections[].') ? [{ ...key, path: key.path.slice('connections[].'.length) }] : [],
  );
  assert.ok(keys.length > 50);
  assert.deepEqual(documentationGaps(keys, doc), []);
});

test('docs/CONFIGURATION.md documents the database waits (environment) with their defaults', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/CONFIGURATION.md'), 'utf8');
  assert.deepEqual(envDocumentationGaps(DatabaseEnv, doc), []);
  assert.deepEqual(envDocumentationGaps(z.object({ MLC_NOT_A_SETTING: z.coerce.number().default(5) }), doc), ['MLC_NOT_A_SETTING: no row "| `MLC_NOT_A_SETTING` | `5` |"']);
});
