import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentationGaps, schemaKeys } from '@mlc/config';
import { CoupaMapping } from './mapping.js';

test('docs/CONFIGURATION.md documents every key of mappings.coupa as CoupaMapping has it', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/CONFIGURATION.md'), 'utf8');
  const keys = schemaKeys(CoupaMapping, 'mappings.coupa');
  assert.ok(keys.length > 10);
  assert.deepEqual(documentationGaps(keys, doc), []);
});
