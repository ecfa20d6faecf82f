import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { buildEvent } from './build-event.js';
import { EVENT_SCHEMAS } from './envelope.js';
import { jsonOf, parseOnce, parsedPayload, wasParsedBy } from './parsed.js';
import { SupplierData } from './supplier.js';
import { rejection, supplierData, supplierParams } from './test-support.js';
import { serializeForTopic } from './topics.js';

const TOPIC = 'syspro.suppliers.v1';

test('parseOnce parses, freezes its output deeply, and does not parse that output again', () => {
  let runs = 0;
  const schema = z.object({ name: z.string().transform((s) => (runs++, s.trim())), tags: z.array(z.object({ v: z.string() })) });
  const first = parseOnce(schema, { name: ' a ', tags: [{ v: 'x' }] });
  assert.ok(first.success);
  assert.equal(first.data.name, 'a');
  assert.equal(runs, 1);
  assert.ok(Object.isFrozen(first.data) && Object.isFrozen(first.data.tags) && Object.isFrozen(first.data.tags[0]));
  assert.throws(() => {
    (first.data as { name: string }).name = '';
  }, TypeError);
  const again = parseOnce(schema, first.data);
  assert.ok(again.success);
  assert.equal(again.data, first.data);
  assert.equal(runs, 1);
  // Another schema, or a copy, is parsed as usual.
  assert.equal(wasParsedBy(z.object({ name: z.string() }), first.data), false);
  assert.equal(wasParsedBy(schema, { ...first.data }), false);
  assert.equal(parseOnce(schema, { ...first.data, tags: [{ v: 1 }] }).success, false);
});

test('an invalid mapped record is not remembered: buildEvent names the record and every failing field', () => {
  const invalid = parseOnce(SupplierData, { ...supplierData, name: '', currency: 'rand' });
  assert.equal(invalid.success, false);
  const error = rejection(() => buildEvent(supplierParams({ key: 'S-7', data: { ...supplierData, number: 'S-7', name: '', currency: 'rand' } })));
  assert.equal(error.code, 'MLC_EVENT_INVALID');
  assert.equal(error.context.key, 'S-7');
  assert.deepEqual(new Set(error.context.paths as string[]), new Set(['data.name', 'data.currency']));
  assert.match(error.message, /supplier event for key "S-7"/);
});

test('buildEvent takes parsed data as is and gives the same event as from the raw data', () => {
  const parsed = parseOnce(SupplierData, { ...supplierData, name: ' Acme Industrial ' });
  assert.ok(parsed.success);
  const fromParsed = buildEvent(supplierParams({ data: parsed.data }));
  const fromRaw = buildEvent(supplierParams({ data: { ...supplierData, name: ' Acme Industrial ' } }));
  assert.equal(fromParsed.data, parsed.data);
  assert.deepEqual(fromParsed, fromRaw);
  assert.equal(EVENT_SCHEMAS.supplier.safeParse(fromParsed).success, true);
});

test('a built event is frozen and its payload is the event, with the canonical data JSON the hash covers', () => {
  const event = buildEvent(supplierParams({ actor: 'ADMIN' }));
  assert.ok(Object.isFrozen(event) && Object.isFrozen(event.entity) && Object.isFrozen(event.data));
  assert.throws(() => {
    (event as { actor: string | null }).actor = 'someone else';
  }, TypeError);
  const payload = parsedPayload(EVENT_SCHEMAS.supplier, event);
  assert.ok(payload !== undefined);
  assert.deepEqual(JSON.parse(payload), event);
  assert.equal(serializeForTopic(TOPIC, event), payload);
  assert.equal(jsonOf(event), payload);
  assert.equal(jsonOf({ a: 1 }), '{"a":1}');
  // Not a purchase order's output: that topic's schema parses it, and refuses it.
  assert.equal(parsedPayload(EVENT_SCHEMAS['purchase-order'], event), undefined);
  assert.equal(rejection(() => serializeForTopic('syspro.purchase-orders.v1', event)).code, 'MLC_EVENT_INVALID');
});

test('a changed copy of a built event is validated again at the codec boundary, naming the record', () => {
  const event = buildEvent(supplierParams({ key: 'S-100' }));
  const broken = { ...event, data: { ...event.data, name: '' } };
  const error = rejection(() => serializeForTopic(TOPIC, broken));
  assert.equal(error.code, 'MLC_EVENT_INVALID');
  assert.equal(error.context.key, 'S-100');
  assert.deepEqual(error.context.paths, ['data.name']);
  // A valid copy is validated and written as before.
  const copy = { ...event, actor: 'ADMIN' };
  assert.deepEqual(JSON.parse(serializeForTopic(TOPIC, copy)), copy);
});
