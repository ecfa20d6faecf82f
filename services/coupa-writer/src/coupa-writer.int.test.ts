import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, type DataOf, type EntityType } from '@mlc/events';
import { uniqueName, waitFor } from '@mlc/testing';
import { harness } from './test-support.js';

function event<E extends EntityType>(connection: string, entity: E, key: string, data: DataOf<E>, occurredAt = '2026-11-20T10:00:00Z') {
  return buildEvent({ source: 'syspro', connection, entity, key, data, occurredAt, observedAt: occurredAt, correlationId: uniqueName('corr') });
}

test('SYSPRO events land in Coupa with the right fields; replays change nothing; an unmappable PO goes to the DLQ', async (t) => {
  const h = await harness(t);
  const c = h.connection;
  const po = event(c, 'purchase-order', 'PO-1', {
    number: 'PO-1',
    supplierNumber: 'ACME01',
    status: 'open',
    orderDate: '2026-11-20',
    currency: 'USD',
    lines: [
      { lineNumber: 1, description: 'M8 bolts', quantity: '100', unitPrice: '0.25', glAccount: '6000', costCentre: 'CC1', unitOfMeasure: 'EA' },
      { lineNumber: 2, description: 'Washers', quantity: '200', unitPrice: '0.05', glAccount: '6000', costCentre: 'CC1', unitOfMeasure: 'EA' },
    ],
  });
  // The PO first: it must wait (in place) for its supplier and account values, not fail.
  await h.publish([po]);
  h.startWriter();
  await h.publish([
    event(c, 'purchase-order', 'PO-BAD', { number: 'PO-BAD', supplierNumber: 'ACME01', status: 'open', orderDate: '2026-11-20', currency: 'USD', lines: [] }),
    event(c, 'gl-account', '6000', { code: '6000', description: 'Fasteners', active: true }),
    event(c, 'cost-centre', 'CC1', { code: 'CC1', description: 'Plant 1', active: true }),
    event(c, 'supplier', 'ACME01', { number: 'ACME01', name: 'Acme Industrial', status: 'active', paymentTerms: 'Net 30', taxId: 'US-1' }),
  ]);

  const [created] = await waitFor(async () => {
    const pos = await h.state<Record<string, unknown>>('purchase_orders');
    return pos.length > 0 ? pos : undefined;
  }, { timeoutMs: 90_000, message: 'PO-1 in Coupa' });
  assert.equal(created!['po-number'], 'PO-1');
  const lines = created!['order-lines'] as Array<Record<string, unknown>>;
  assert.equal(lines.length, 2);
  assert.equal(Number(lines[0]!.quantity), 100);
  assert.equal(Number(lines[0]!.price), 0.25);
  assert.equal(typeof lines[0]!.quantity, 'string', 'Coupa sends decimals as strings');
  const suppliers = await h.state<Record<string, unknown>>('suppliers');
  assert.equal(suppliers.length, 1);
  assert.equal(suppliers[0]!.number, 'ACME01');
  assert.equal(suppliers[0]!['tax-id'], 'US-1');
  const values = await h.state<Record<string, unknown>>('lookup_values');
  assert.deepEqual(values.map((v) => v['external-ref-num']).sort(), ['6000', 'CC1']);

  const dead = await waitFor(async () => {
    const messages = await h.dlq();
    return messages.length > 0 ? messages : undefined;
  }, { timeoutMs: 60_000, message: 'the unmappable PO in the DLQ' });
  assert.equal(dead.length, 1);
  const headers = Object.fromEntries(Object.entries(dead[0]!.headers ?? {}).map(([k, v]) => [k, String(v)]));
  assert.ok(Object.values(headers).includes('MLC_MAPPING_FAILED'), `DLQ headers: ${JSON.stringify(headers)}`);

  // A replay of everything: nothing new in Coupa.
  const before = (await h.state('suppliers')).length + (await h.state('purchase_orders')).length;
  await h.publish([po, event(c, 'supplier', 'ACME01', { number: 'ACME01', name: 'Acme Industrial', status: 'active', paymentTerms: 'Net 30', taxId: 'US-1' })]);
  const requestsBefore = ((await (await fetch(`${h.sim.url}/_sandbox/requests?path=/api`)).json()) as unknown[]).length;
  await h.publish([event(c, 'supplier', 'MARKER', { number: 'MARKER', name: 'Marker', status: 'active' })]);
  await waitFor(async () => (await h.state<Record<string, unknown>>('suppliers')).some((s) => s.number === 'MARKER'), { timeoutMs: 60_000, message: 'marker' });
  const after = (await h.state('suppliers')).length + (await h.state('purchase_orders')).length;
  assert.equal(after, before + 1, 'only the marker supplier is new');
  const writes = ((await (await fetch(`${h.sim.url}/_sandbox/requests?path=/api`)).json()) as Array<{ method: string; url: string }>)
    .slice(requestsBefore)
    .filter((r) => r.method !== 'GET');
  assert.deepEqual(writes.map((w) => `${w.method} ${w.url}`), ['POST /api/suppliers'], 'the replayed events made no Coupa writes');
});

test('a forced replay rewrites the record in Coupa (one PUT, no second create); the same event redelivered or replayed unforced writes nothing', async (t) => {
  const h = await harness(t);
  const supplier = event(h.connection, 'supplier', 'ACME01', { number: 'ACME01', name: 'Acme Industrial', status: 'active', paymentTerms: 'Net 30' });
  await h.publish([supplier]);
  h.startWriter();
  const [created] = await waitFor(async () => {
    const all = await h.state<Record<string, unknown>>('suppliers');
    return all.length > 0 ? all : undefined;
  }, { timeoutMs: 90_000, message: 'the supplier in Coupa' });
  // Someone changes it in Coupa: only a forced replay puts our content back.
  const patched = await fetch(`${h.sim.url}/_sandbox/suppliers/${String(created!.id)}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Changed in Coupa' }) });
  assert.equal(patched.status, 200);
  const requestsBefore = ((await (await fetch(`${h.sim.url}/_sandbox/requests?path=/api`)).json()) as unknown[]).length;

  // Same key, same partition: handled in this order, so once the forced one has written, the others are done.
  await h.publish([supplier]);
  await h.replay([supplier], { id: 'act-plain', force: false });
  await h.replay([supplier], { id: 'act-forced', force: true });
  await waitFor(async () => (await h.state<Record<string, unknown>>('suppliers')).some((s) => s.name === 'Acme Industrial'), { timeoutMs: 60_000, message: 'the forced write' });

  const suppliers = await h.state<Record<string, unknown>>('suppliers');
  assert.equal(suppliers.length, 1, 'no second supplier');
  const writes = ((await (await fetch(`${h.sim.url}/_sandbox/requests?path=/api`)).json()) as Array<{ method: string; url: string }>)
    .slice(requestsBefore)
    .filter((r) => r.method !== 'GET');
  assert.deepEqual(writes.map((w) => `${w.method} ${w.url}`), [`PUT /api/suppliers/${String(created!.id)}`], 'only the forced replay wrote');
});

test('kill -9 mid-batch, 10% 5xx, 429 bursts and an expired token: every supplier lands exactly once', async (t) => {
  const h = await harness(t);
  const count = 60;
  const addFault = (rule: object) =>
    fetch(`${h.sim.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  await addFault({ path: '/api', status: 429, retryAfterSeconds: 1, times: 5 });
  await addFault({ path: '/api', status: 503, rate: 0.1 });

  await h.publish(Array.from({ length: count }, (_, i) => event(h.connection, 'supplier', `S${i}`, { number: `S${i}`, name: `Supplier ${i}`, status: 'active' })));
  const first = h.startWriter();
  await waitFor(async () => (await h.state('suppliers')).length >= 10, { timeoutMs: 90_000, message: '10 suppliers written' });
  first.kill('SIGKILL');
  await fetch(`${h.sim.url}/_sandbox/tokens/expire`, { method: 'POST' });
  h.startWriter();

  const suppliers = await waitFor(async () => {
    const all = await h.state<Record<string, unknown>>('suppliers');
    return all.length >= count ? all : undefined;
  }, { timeoutMs: 120_000, message: `${count} suppliers in Coupa` });
  const numbers = suppliers.map((s) => String(s.number));
  assert.equal(numbers.length, count);
  assert.equal(new Set(numbers).size, count, 'no supplier created twice');
  assert.deepEqual(await h.dlq(), [], 'nothing gave up');
});
