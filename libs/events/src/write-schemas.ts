// `npm run schemas -w @mlc/events`: writes the JSON Schema of every topic to libs/events/schemas/,
// so reviewers see in a diff what the registry will be asked to accept.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { jsonSchemaForTopic } from './json-schema.js';
import { knownTopics } from './topics.js';

export const SCHEMAS_DIR = resolve(import.meta.dirname, '../schemas');

export function schemaFiles(): Map<string, string> {
  return new Map(knownTopics().map((topic) => [`${topic}.json`, `${JSON.stringify(jsonSchemaForTopic(topic), null, 2)}\n`]));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  const files = schemaFiles();
  for (const name of readdirSync(SCHEMAS_DIR)) if (name.endsWith('.json') && !files.has(name)) rmSync(join(SCHEMAS_DIR, name));
  for (const [name, text] of files) writeFileSync(join(SCHEMAS_DIR, name), text);
  console.log(`wrote ${files.size} schemas to ${SCHEMAS_DIR}`);
}
