import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEvent } from './build-event.js';
import { EVENT_SCHEMAS } from './envelope.js';
import { contentHashOf, eventIdOf } from './identity.js';
import { rejection, supplierData, supplierParams } from './test-support.js';

test('builds a valid supplier event with hash and deterministic id', () => {
  const event = buildEvent(supplierParams({ actor: 'ADMIN' }));
  assert.equal(event.type, 'supplier.changed');
  assert.deepEqual(event.entity, { type: 'supplier', key: 'S-100' });
  assert.equal(event.actor, 'ADMIN');
  assert.equal(event.causationId, null);
  assert.equal(event.contentHash, contentHashOf(supplierData));
  assert.equal(
    event.id,
    eventIdOf({ source: 'syspro', connection: 'acme-prod', entityType: 'supplier', key: 'S-100', contentHash: event.contentHash }),
  );
  assert.equal(EVENT_SCHEMAS.supplier.safeParse(event).success, true);
});

test('same content in another key order or at another time gives the same id', () => {
  const reordered = Object.fromEntries(Object.entries(supplierData).reverse()) as typeof supplierData;
  const a = buildEvent(supplierParams());
  const b = buildEvent(supplierParams({ data: reordered, observedAt: new Date('2030-01-01T00:00:00Z'), correlationId: 'corr-2' }));
  assert.equal(b.contentHash, a.contentHash);
  assert.equal(b.id, a.id);
});

test('changed content, key or connection gives another id', () => {
  const base = buildEvent(supplierParams());
  const ids = [
    buildEvent(supplierParams({ data: { ...supplierData, name: 'Acme Industrial Ltd' } })).id,
    buildEvent(supplierParams({ key: 'S-101', data: { ...supplierData, number: 'S-101' } })).id,
    buildEvent(supplierParams({ connection: 'acme-test' })).id,
    buildEvent(supplierParams({ source: 'coupa' })).id,
  ];
  for (const id of ids) assert.notEqual(id, base.id);
  assert.equal(new Set(ids).size, ids.length);
});

test('hashes and identifies what consumers see: normalized (trimmed) values', () => {
  const padded = buildEvent(supplierParams({ key: ' S-100 ', data: { ...supplierData, name: ' Acme Industrial ' } }));
  const plain = buildEvent(supplierParams());
  assert.equal(padded.data.name, 'Acme Industrial');
  assert.equal(padded.entity.key, 'S-100');
  assert.equal(padded.id, plain.id);
});

test('Dates are written as ISO 8601 UTC', () => {
  const event = buildEvent(supplierParams({ occurredAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) }));
  assert.equal(event.occurredAt, '2024-01-02T03:04:05.000Z');
});

test('invalid input names every failing field path and the entity key', () => {
  const error = rejection(() =>
    buildEvent(
      supplierParams({
        key: 'S-9',
        occurredAt: 'yesterday',
        correlationId: '',
        data: { ...supplierData, name: '', currency: 'rand', address: { lines: ['a', 'b', 'c', 'd', 'e'] } },
      }),
    ),
  );
  assert.equal(error.code, 'MLC_EVENT_INVALID');
  assert.equal(error.retriable, false);
  assert.equal(error.context.key, 'S-9');
  assert.equal(error.context.entityType, 'supplier');
  assert.deepEqual(new Set(error.context.paths as string[]), new Set(['occurredAt', 'correlationId', 'data.name', 'data.currency', 'data.address.lines']));
  assert.match(error.message, /S-9/);
});

test('array element paths carry their index', () => {
  const error = rejection(() =>
    buildEvent({
      ...supplierParams(),
      entity: 'purchase-order',
      key: 'PO-1',
      data: {
        number: 'PO-1',
        supplierNumber: 'S-100',
        status: 'open',
        orderDate: '2024-05-01',
        currency: 'ZAR',
        lines: [{ lineNumber: 1, description: 'bolts', quantity: 'ten', unitPrice: '1.00' }],
      },
    }),
  );
  assert.equal(error.code, 'MLC_EVENT_INVALID');
  assert.deepEqual(error.context.paths, ['data.lines[0].quantity']);
});

test('an invalid Date and an unknown entity type are MLC_EVENT_INVALID too', () => {
  assert.equal(rejection(() => buildEvent(supplierParams({ observedAt: new Date(Number.NaN) }))).code, 'MLC_EVENT_INVALID');
  const unknown = rejection(() => buildEvent({ ...supplierParams(), entity: 'widget' as 'supplier' }));
  assert.equal(unknown.code, 'MLC_EVENT_INVALID');
  assert.deepEqual(unknown.context.paths, ['entity.type']);
});

test('error messages carry no field values', () => {
  const secret = 'GB82WEST12345698765432';
  const error = rejection(() => buildEvent(supplierParams({ data: { ...supplierData, name: '', bank: { iban: secret } } })));
  assert.doesNotMatch(JSON.stringify({ message: error.message, context: error.context }), new RegExp(secret));
});
