import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';
import { contentHashOf, eventIdOf, type EventIdentity } from './identity.js';

const identity: EventIdentity = {
  source: 'syspro',
  connection: 'acme-prod',
  entityType: 'supplier',
  key: 'S-100',
  contentHash: 'a'.repeat(64),
};

/** A deep copy whose object keys are in reverse insertion order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
  }
  return value;
}

test('canonical JSON sorts keys at every depth and omits undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  assert.equal(canonicalJson([undefined, 1]), '[null,1]');
});

test('canonical JSON refuses values JSON cannot carry', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1n, new Date(0), () => 1, { nested: Symbol('s') }]) {
    assert.throws(() => canonicalJson(bad), { code: 'MLC_EVENT_INVALID' });
  }
});

test('content hash ignores key order (property)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      assert.equal(contentHashOf(reversedKeys(value)), contentHashOf(value));
    }),
  );
});

test('content hash treats an undefined member as absent', () => {
  assert.equal(contentHashOf({ a: 1, b: undefined }), contentHashOf({ a: 1 }));
  assert.match(contentHashOf({ a: 1 }), /^[0-9a-f]{64}$/);
});

test('different content gives a different hash and id (property)', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (a, b) => {
      fc.pre(canonicalJson(a) !== canonicalJson(b));
      const ha = contentHashOf(a);
      const hb = contentHashOf(b);
      assert.notEqual(ha, hb);
      assert.notEqual(eventIdOf({ ...identity, contentHash: ha }), eventIdOf({ ...identity, contentHash: hb }));
    }),
  );
});

test('event id is a UUIDv8 and its recipe is stable', () => {
  const id = eventIdOf(identity);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // Pinned: changing the recipe changes every id, which breaks deduplication across a deploy.
  assert.equal(id, GOLDEN_ID);
});

test('every identity field takes part in the id, without separator ambiguity', () => {
  const ids = new Set([
    eventIdOf(identity),
    eventIdOf({ ...identity, source: 'coupa' }),
    eventIdOf({ ...identity, connection: 'acme-test' }),
    eventIdOf({ ...identity, entityType: 'invoice' }),
    eventIdOf({ ...identity, key: 'S-101' }),
    eventIdOf({ ...identity, contentHash: 'b'.repeat(64) }),
    eventIdOf({ ...identity, connection: 'a:b', key: 'c' }),
    eventIdOf({ ...identity, connection: 'a', key: 'b:c' }),
  ]);
  assert.equal(ids.size, 8);
});

// Cross-checked with an independent implementation (Python hashlib) of the documented recipe.
const GOLDEN_ID = 'ed5f64a8-8639-863c-b98d-0d72e281b464';
