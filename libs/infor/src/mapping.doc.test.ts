import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentationGaps, schemaKeys } from '@mlc/config';
import { InforMapping } from './mapping.js';

test('docs/CONFIGURATION.md documents every key of mappings.infor as InforMapping has it', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/CONFIGURATION.md'), 'utf8');
  const keys = schemaKeys(InforMapping, 'mappings.infor');
  assert.ok(keys.length > 10);
  assert.deepEqual(documentationGaps(keys, doc), []);
});
