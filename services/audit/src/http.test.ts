import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrailRequest } from './http.js';
import { decodeCursor, encodeCursor } from './trail.js';

const issuesOf = (query: unknown) => {
  const result = parseTrailRequest(query);
  assert.ok('issues' in result, 'expected a 400');
  return result.issues.map((i) => i.field).sort();
};

test('a record or a correlation id, with defaults', () => {
  assert.deepEqual(parseTrailRequest({ connection: 'acme', entity: 'supplier', key: 'S1' }), {
    query: { subject: { connection: 'acme', entityType: 'supplier', key: 'S1' }, limit: 100, after: undefined },
  });
  assert.deepEqual(parseTrailRequest({ correlationId: 'c1', limit: '5' }), { query: { subject: { correlationId: 'c1' }, limit: 5, after: undefined } });
});

test('bad input names each field', () => {
  assert.deepEqual(issuesOf({}), ['connection', 'entity', 'key']);
  assert.deepEqual(issuesOf({ connection: 'acme', entity: 'supplier' }), ['key']);
  assert.deepEqual(issuesOf({ connection: 'acme', entity: 'widget', key: 'S1' }), ['entity']);
  assert.deepEqual(issuesOf({ connection: 'acme', entity: 'widget' }), ['entity', 'key']);
  assert.deepEqual(issuesOf({ correlationId: 'c', connection: 'acme' }), ['correlationId']);
  assert.deepEqual(issuesOf({ correlationId: 'c', limit: '0' }), ['limit']);
  assert.deepEqual(issuesOf({ correlationId: 'c', limit: '5000' }), ['limit']);
  assert.deepEqual(issuesOf({ correlationId: 'c', cursor: 'garbage' }), ['cursor']);
  assert.deepEqual(issuesOf({ correlationId: 'c', colour: 'red' }), ['(query)']);
});

test('cursors round-trip; forged ones are refused', () => {
  const cursor = { at: '2026-11-02T10:00:06.000000Z', rank: 1, topic: 't.mlc.outcomes.v1', partition: 0, offset: '12' };
  assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
  const forged = Buffer.from(JSON.stringify({ ...cursor, at: 'never' })).toString('base64url');
  assert.throws(() => decodeCursor(forged), (e: unknown) => (e as { code?: string }).code === 'MLC_CONFIG_INVALID');
  const injected = Buffer.from(JSON.stringify({ ...cursor, offset: '1; drop table x' })).toString('base64url');
  assert.throws(() => decodeCursor(injected), (e: unknown) => (e as { code?: string }).code === 'MLC_CONFIG_INVALID');
});
