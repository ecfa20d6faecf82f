import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { buildEvent } from './build-event.js';
import { compiledSafeParse } from './compiled-validator.js';
import { CanonicalEvent, EVENT_SCHEMAS } from './envelope.js';
import { Outcome } from './outcome.js';
import { outcomeFixture, purchaseOrderParams, supplierParams } from './test-support.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const supplier = JSON.parse(JSON.stringify(buildEvent(supplierParams()))) as Json;
const purchaseOrder = JSON.parse(JSON.stringify(buildEvent(purchaseOrderParams()))) as Json;
// Every optional field present, so mutations reach them too.
const outcome: Json = {
  ...(JSON.parse(JSON.stringify(outcomeFixture)) as Record<string, Json>),
  status: 'failed',
  error: { code: 'MLC_HTTP_5XX', message: 'boom' },
  replay: { id: 'r-1', force: false },
  reason: 'why',
};

// Values that sit on the edges of the checks in the hot schemas: whitespace that `.trim()` removes,
// date-times just inside and outside the pattern, hashes, integers and not-quite integers.
const edgy = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    '', ' ', ' x', 'x ', '\u00a0x', 'x\ufeff', '\tS-100\n', 'a b', '😀', ' 😀 ',
    '2024-05-01T08:00:05Z', '2024-05-01T08:00:05.1+02:00', '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z',
    '2024-05-01T24:00:00Z', '2024-05-01 08:00:05Z', '2024-05-01T08:00:05', '2024-05-01', '2024-5-1', '12.50', '-1', '1e3',
    'a'.repeat(64), '0'.repeat(63), 'A'.repeat(64), 'ZAR', 'zar', 'ZA', 'supplier', 'supplier.changed', 'open', 'failed',
  ),
  fc.constantFrom(0, -0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), Number.MAX_VALUE, true, false, null),
  fc.constant(undefined),
);

type Mutation = { path: number[]; value: unknown } | { path: number[]; drop: true };

/** Applies a mutation along a path of child indexes (each taken modulo the children there). */
function mutate(value: Json, mutation: Mutation): unknown {
  const copy = structuredClone(value);
  let node: unknown = copy;
  let parent: Record<string, unknown> | unknown[] | undefined;
  let key: string | number | undefined;
  for (const step of mutation.path) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node as Record<string, unknown>;
    key = keys[step % keys.length]!;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (parent === undefined || key === undefined) return 'drop' in mutation ? undefined : mutation.value;
  if ('drop' in mutation) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, unknown>)[key];
  } else (parent as Record<string | number, unknown>)[key] = mutation.value;
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.array(fc.nat(20), { maxLength: 5 }), value: edgy }),
  fc.record({ path: fc.array(fc.nat(20), { minLength: 1, maxLength: 5 }), drop: fc.constant(true as const) }),
);

function assertSameAsZod(schema: z.ZodType, value: unknown): void {
  const ours = compiledSafeParse(schema)(value);
  const zods = schema.safeParse(value);
  assert.equal(ours.success, zods.success, `verdict differs for ${JSON.stringify(value)}`);
  if (ours.success && zods.success) assert.deepStrictEqual(ours.data, zods.data);
  if (!ours.success && !zods.success) assert.deepStrictEqual(ours.error.issues, zods.error.issues);
}

const HOT: Array<[string, z.ZodType, Json]> = [
  ['supplier event', EVENT_SCHEMAS.supplier, supplier],
  ['purchase-order event', EVENT_SCHEMAS['purchase-order'], purchaseOrder],
  ['any canonical event (supplier)', CanonicalEvent, supplier],
  ['any canonical event (purchase order)', CanonicalEvent, purchaseOrder],
  ['outcome', Outcome, outcome],
];

for (const [name, schema, fixture] of HOT) {
  test(`compiled ${name} check: the same verdict, output and issues as zod for the fixture and up to three mutations of it`, () => {
    assertSameAsZod(schema, fixture);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const value = mutations.reduce<unknown>((v, m) => mutate(v as Json, m), fixture);
        assertSameAsZod(schema, value);
      }),
      { numRuns: 1500 },
    );
  });
}

test('the hot schemas get a compiled check: a valid value comes back as the same object, not a zod copy', () => {
  for (const [, schema, fixture] of HOT) {
    const value = structuredClone(fixture);
    const result = compiledSafeParse(schema)(value);
    assert.ok(result.success);
    assert.equal(result.data, value);
  }
});

test('a value zod changes (a string .trim() shortens) goes to zod and comes back trimmed', () => {
  const value = { ...(supplier as Record<string, Json>), connection: '  acme-prod ' };
  const result = compiledSafeParse(EVENT_SCHEMAS.supplier)(value);
  assert.ok(result.success);
  assert.equal((result.data as { connection: string }).connection, 'acme-prod');
  assert.notEqual(result.data, value);
});

test('an unknown key is stripped as zod strips it', () => {
  const result = compiledSafeParse(Outcome)({ ...(outcome as Record<string, Json>), extra: 1 });
  assert.ok(result.success);
  assert.equal('extra' in (result.data as object), false);
});

// Schemas whose JSON Schema would accept values zod rejects or changes: no fast path, zod's verdict.
const INEXACT: Array<[string, z.ZodType, unknown[]]> = [
  ['a refinement', z.object({ a: z.string().refine((s) => s !== 'no') }), [{ a: 'no' }, { a: 'yes' }]],
  ['a string length cap (UTF-16 units in zod, code points in ajv)', z.object({ a: z.string().max(2) }), [{ a: '😀😀' }, { a: 'ab' }]],
  ['a regex with a flag', z.object({ a: z.string().regex(/^abc$/i) }), [{ a: 'ABC' }, { a: 'abd' }]],
  ['a default', z.object({ a: z.string().default('d') }), [{}, { a: 'x' }]],
  ['a transform', z.object({ a: z.string().transform((s) => s.length) }), [{ a: 'abc' }]],
  ['a lower-casing overwrite', z.object({ a: z.string().toLowerCase() }), [{ a: 'ABC' }, { a: 'abc' }]],
  ['a plain union', z.object({ a: z.union([z.string().trim(), z.string()]) }), [{ a: ' x ' }, { a: 'x' }]],
  ['a format zod checks otherwise', z.object({ a: z.url() }), [{ a: 'http://x' }, { a: 'nope' }]],
  ['a record', z.record(z.string(), z.number()), [{ a: 1 }, { a: 'x' }]],
];

for (const [name, schema, values] of INEXACT) {
  test(`a schema with ${name} keeps zod's verdict and output`, () => {
    for (const value of values) assertSameAsZod(schema, value);
    fc.assert(fc.property(fc.jsonValue(), (value) => assertSameAsZod(schema, value)), { numRuns: 200 });
  });
}

test('compiling leaves the JSON Schema that zod generates (and the registry gets) as it was', () => {
  const before = JSON.stringify(z.toJSONSchema(CanonicalEvent, { target: 'draft-7', io: 'output' }));
  // A new schema around the same union, so this compiles it here whatever ran before.
  const result = compiledSafeParse(CanonicalEvent.optional())(supplier);
  assert.ok(result.success);
  assert.equal(result.data, supplier); // the compiled check, not zod
  const after = JSON.stringify(z.toJSONSchema(CanonicalEvent, { target: 'draft-7', io: 'output' }));
  assert.equal(after, before);
  assert.doesNotMatch(after, /mlcFixedPoint|discriminator/);
});
