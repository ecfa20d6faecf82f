import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MlcError } from '@mlc/errors';
import { startCoupaSimulator } from '@mlc/sandbox';
import { createCoupaClient } from './client.js';

// The Coupa client against the Coupa sandbox: both follow Coupa's documented wire format, built
// independently, so this is where a disagreement shows.
async function setup(t: { after: (fn: () => Promise<void>) => void }, simOptions: Parameters<typeof startCoupaSimulator>[0] = {}) {
  const sim = await startCoupaSimulator({ sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0 }, ...simOptions });
  t.after(() => sim.close());
  const coupa = createCoupaClient({
    url: sim.url,
    clientId: sim.credentials.clientId,
    clientSecret: sim.credentials.clientSecret,
    scopes: sim.credentials.scopes,
    apiVersion: { header: 'X-Coupa-API-Version', value: 'R40' },
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
  });
  return { sim, coupa };
}

const supplierBody = (number: string, name = `Supplier ${number}`) => ({
  name,
  'display-name': name,
  number,
  status: 'active' as const,
  'on-hold': false,
  'po-method': 'prompt',
  'payment-term': { code: 'Net 30' },
});

test('suppliers: create, find by number, update, and an unknown number is not found', async (t) => {
  const { coupa } = await setup(t);
  const created = await coupa.createSupplier(supplierBody('MLC-1'));
  assert.ok(created.id > 0);
  const found = await coupa.findSupplierByNumber('MLC-1');
  assert.equal(found?.id, created.id);
  const updated = await coupa.updateSupplier(created.id, supplierBody('MLC-1', 'Renamed'));
  assert.equal(updated.name, 'Renamed');
  assert.equal(await coupa.findSupplierByNumber('NOPE'), undefined);
});

test('suppliers of several numbers in one call (the `in` operator), matched by number; misuse refused before any call', async (t) => {
  const { sim, coupa } = await setup(t);
  const ids = new Map<string, number>();
  for (const number of ['MLC-A', 'MLC-B', 'MLC-C']) ids.set(number, (await coupa.createSupplier(supplierBody(number))).id);
  const before = ((await (await fetch(`${sim.url}/_sandbox/requests?path=/api/suppliers`)).json()) as unknown[]).length;
  const found = await coupa.findSuppliersByNumbers(['MLC-C', 'NOPE', 'MLC-A', 'MLC-B']);
  assert.deepEqual(new Map([...found].map(([number, s]) => [number, s.id])), new Map([['MLC-C', ids.get('MLC-C')], ['MLC-A', ids.get('MLC-A')], ['MLC-B', ids.get('MLC-B')]]));
  const log = (await (await fetch(`${sim.url}/_sandbox/requests?path=/api/suppliers`)).json()) as Array<{ method: string; url: string }>;
  assert.equal(log.length - before, 1, 'one call');
  assert.match(decodeURIComponent(log.at(-1)!.url), /number\[in\]=MLC-C,NOPE,MLC-A,MLC-B/);

  await assert.rejects(coupa.findSuppliersByNumbers(['A,1', 'B']), (e: MlcError) => e.code === 'MLC_INTERNAL');
  await assert.rejects(coupa.findSuppliersByNumbers([' A', 'B']), (e: MlcError) => e.code === 'MLC_INTERNAL');
  await assert.rejects(coupa.findSuppliersByNumbers(Array.from({ length: 51 }, (_, i) => `N${i}`)), (e: MlcError) => e.code === 'MLC_INTERNAL');
});

test('a duplicate supplier number is rejected with Coupa\'s message', async (t) => {
  const { coupa } = await setup(t);
  await coupa.createSupplier(supplierBody('DUP-1'));
  await assert.rejects(coupa.createSupplier(supplierBody('DUP-1', 'Other name')), (e: MlcError) => e.code === 'MLC_VENDOR_REJECTED' && !e.retriable);
});

test('lookups and lookup values by external-ref-num', async (t) => {
  const { coupa } = await setup(t);
  const lookup = (await coupa.findLookupByName('GL Accounts')) ?? (await coupa.createLookup('GL Accounts'));
  assert.equal(lookup.name, 'GL Accounts');
  const value = await coupa.createLookupValue({ name: '6000 - Fasteners', description: 'Fasteners', 'external-ref-num': '6000', active: true, lookup: { name: 'GL Accounts' } });
  const found = await coupa.findLookupValue('GL Accounts', '6000');
  assert.equal(found?.id, value.id);
  assert.equal(await coupa.findLookupValue('GL Accounts', '7000'), undefined);
});

test('the API-version header is sent and an expired token is refreshed once', async (t) => {
  const { sim, coupa } = await setup(t);
  await coupa.findSupplierByNumber('X');
  const expired = await fetch(`${sim.url}/_sandbox/tokens/expire`, { method: 'POST' });
  assert.equal(expired.status, 200);
  await coupa.findSupplierByNumber('X');
  const log = (await (await fetch(`${sim.url}/_sandbox/requests?path=/api`)).json()) as Array<{ status: number; headers: Record<string, string> }>;
  assert.ok(log.every((r) => r.headers['x-coupa-api-version'] === 'R40'));
  assert.deepEqual(log.map((r) => r.status), [200, 401, 200]);
  const tokenCalls = (await (await fetch(`${sim.url}/_sandbox/requests?path=/oauth2`)).json()) as unknown[];
  assert.equal(tokenCalls.length, 2);
});

test('429 with Retry-After and 503s are retried for reads', async (t) => {
  const { sim, coupa } = await setup(t);
  await fetch(`${sim.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/api/suppliers', status: 429, retryAfterSeconds: 0, times: 1 }),
  });
  await fetch(`${sim.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/api/suppliers', status: 503, times: 1 }),
  });
  assert.equal(await coupa.findSupplierByNumber('X'), undefined);
});
