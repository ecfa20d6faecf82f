import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideWrite, targetRefFor, type TargetRecord } from './target-records.js';

const previous: TargetRecord = {
  targetId: '42',
  contentHash: 'a'.repeat(64),
  sourceTime: new Date('2026-11-20T10:00:00Z'),
  eventId: 'e1',
  writtenAt: new Date('2026-11-20T10:00:05Z'),
};

test('a record never written is written', () => {
  assert.equal(decideWrite({ contentHash: 'b'.repeat(64), occurredAt: '2026-11-01T00:00:00Z' }, undefined).action, 'write');
});

test('the same content is unchanged, even when replayed with an older time', () => {
  assert.equal(decideWrite({ contentHash: previous.contentHash, occurredAt: '2026-11-20T10:00:00Z' }, previous).action, 'unchanged');
  assert.equal(decideWrite({ contentHash: previous.contentHash, occurredAt: '2026-01-01T00:00:00Z' }, previous).action, 'unchanged');
});

test('older different content is stale; newer or same-time different content is written', () => {
  assert.equal(decideWrite({ contentHash: 'c'.repeat(64), occurredAt: '2026-11-19T10:00:00Z' }, previous).action, 'stale');
  assert.equal(decideWrite({ contentHash: 'c'.repeat(64), occurredAt: '2026-11-20T10:00:00Z' }, previous).action, 'write');
  assert.equal(decideWrite({ contentHash: 'c'.repeat(64), occurredAt: '2026-11-21T10:00:00+02:00' }, previous).action, 'write');
});

test('forced: the same content is written again, whatever its time; never written is written', () => {
  const force = { force: true };
  assert.equal(decideWrite({ contentHash: previous.contentHash, occurredAt: '2026-11-20T10:00:00Z' }, previous, force).action, 'write');
  assert.equal(decideWrite({ contentHash: previous.contentHash, occurredAt: '2026-01-01T00:00:00Z' }, previous, force).action, 'write');
  assert.equal(decideWrite({ contentHash: 'b'.repeat(64), occurredAt: '2026-11-01T00:00:00Z' }, undefined, force).action, 'write');
  assert.equal(decideWrite({ contentHash: previous.contentHash, occurredAt: '2026-11-20T10:00:00Z' }, previous, { force: false }).action, 'unchanged');
});

test('forced: older different content is still stale; newer different content is written', () => {
  const force = { force: true };
  assert.equal(decideWrite({ contentHash: 'c'.repeat(64), occurredAt: '2026-11-19T10:00:00Z' }, previous, force).action, 'stale');
  assert.equal(decideWrite({ contentHash: 'c'.repeat(64), occurredAt: '2026-11-21T10:00:00Z' }, previous, force).action, 'write');
});

test('a ref is the event\'s own record by default, or another record of the same connection', () => {
  const event = { connection: 'acme', entity: { type: 'invoice' as const, key: 'S1/INV-1' } };
  assert.deepEqual(targetRefFor(event, 'infor'), { connection: 'acme', targetSystem: 'infor', entityType: 'invoice', naturalKey: 'S1/INV-1' });
  assert.deepEqual(targetRefFor(event, 'infor', { entityType: 'purchase-order', naturalKey: 'PO-1' }), {
    connection: 'acme',
    targetSystem: 'infor',
    entityType: 'purchase-order',
    naturalKey: 'PO-1',
  });
});
