import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, build, tokenFor } from './test-support.js';

const form = (fields: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/oauth2/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

test('client credentials in the body or as HTTP Basic give an opaque bearer token with expires_in', async (t) => {
  const sim = await build(t, { tokenTtlSeconds: 600 });
  const { clientId, clientSecret } = sim.credentials;
  const body = await sim.app.inject(form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'core.supplier.read' }));
  assert.equal(body.statusCode, 200);
  assert.equal(body.json().token_type, 'bearer');
  assert.equal(body.json().expires_in, 600);
  assert.equal(body.json().scope, 'core.supplier.read');

  const basic = await sim.app.inject({
    ...form({ grant_type: 'client_credentials' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
  });
  assert.equal(basic.statusCode, 200);
  assert.notEqual(basic.json().access_token, body.json().access_token);
});

test('bad client, bad secret, unknown scope and wrong grant are refused with OAuth error codes', async (t) => {
  const sim = await build(t);
  const { clientId, clientSecret } = sim.credentials;
  const cases: Array<[Record<string, string>, number, string]> = [
    [{ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }, 401, 'invalid_client'],
    [{ grant_type: 'client_credentials', client_id: clientId, client_secret: 'wrong' }, 401, 'invalid_client'],
    [{ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'core.nothing.read' }, 400, 'invalid_scope'],
    [{ grant_type: 'password', client_id: clientId, client_secret: clientSecret }, 400, 'unsupported_grant_type'],
  ];
  for (const [fields, status, error] of cases) {
    const res = await sim.app.inject(form(fields));
    assert.equal(res.statusCode, status, error);
    assert.equal(res.json().error, error);
  }
  const readonly = await sim.app.inject(
    form({ grant_type: 'client_credentials', client_id: 'mlc-sandbox-readonly', client_secret: 'sandbox-readonly-1', scope: 'core.supplier.write' }),
  );
  assert.equal(readonly.json().error, 'invalid_scope');
});

test('/api needs a live bearer token: missing, unknown, expired and revoked answer 401', async (t) => {
  let clock = Date.UTC(2025, 0, 1);
  const sim = await build(t, { tokenTtlSeconds: 60, now: () => clock });
  const get = (headers: Record<string, string>) => sim.app.inject({ url: '/api/suppliers', headers: { accept: 'application/json', ...headers } });
  assert.equal((await get({})).statusCode, 401);
  assert.equal((await get({ authorization: 'Bearer made-up' })).statusCode, 401);

  const token = await tokenFor(sim);
  assert.equal((await get({ authorization: `Bearer ${token}` })).statusCode, 200);
  clock += 61_000;
  const expired = await get({ authorization: `Bearer ${token}` });
  assert.equal(expired.statusCode, 401);
  assert.match(String(expired.headers['www-authenticate']), /invalid_token/);

  const second = await tokenFor(sim);
  await sim.app.inject({ method: 'POST', url: '/_sandbox/tokens/expire' });
  assert.equal((await get({ authorization: `Bearer ${second}` })).statusCode, 401);

  const third = await tokenFor(sim);
  await sim.app.inject({ method: 'POST', url: '/_sandbox/tokens/revoke', payload: {} });
  assert.equal((await get({ authorization: `Bearer ${third}` })).statusCode, 401);
});

test('scopes are enforced per resource and right; Accept must allow JSON', async (t) => {
  const sim = await build(t);
  const read = api(sim, await tokenFor(sim, { scope: 'core.supplier.read' }));
  assert.equal((await read('GET', '/api/suppliers')).statusCode, 200);
  const write = await read('POST', '/api/suppliers', { name: 'New' });
  assert.equal(write.statusCode, 403);
  assert.match(String(write.headers['www-authenticate']), /insufficient_scope.*core\.supplier\.write/);
  assert.equal((await read('GET', '/api/purchase_orders')).statusCode, 403);

  const common = api(sim, await tokenFor(sim, { scope: 'core.common.read core.accounting.read' }));
  assert.equal((await common('GET', '/api/lookup_values')).statusCode, 200);
  assert.equal((await common('GET', '/api/accounts')).statusCode, 200);

  const token = await tokenFor(sim);
  const xml = await sim.app.inject({ url: '/api/suppliers', headers: { authorization: `Bearer ${token}`, accept: 'application/xml' } });
  assert.equal(xml.statusCode, 406);
});

test('filters (nested, in, operators), paging and empty results follow the Coupa query syntax', async (t) => {
  const sim = await build(t, { sizes: { suppliers: 120, purchaseOrders: 30, invoices: 0, accounts: 4, lookupValues: 2 } });
  const call = api(sim, await tokenFor(sim));

  const page1 = (await call('GET', '/api/suppliers')).json();
  assert.equal(page1.length, 50);
  const page3 = (await call('GET', '/api/suppliers?limit=50&offset=100')).json();
  assert.deepEqual(page3.map((s: { id: number }) => s.id), Array.from({ length: 20 }, (_, i) => 101 + i));
  assert.equal((await call('GET', '/api/suppliers?limit=200')).json().length, 50);

  const two = (await call('GET', '/api/suppliers?number[in]=SUP000003,SUP000007')).json();
  assert.deepEqual(two.map((s: { number: string }) => s.number), ['SUP000003', 'SUP000007']);
  // Served from the number index as equality is: in id order, each once, unknown numbers absent, other filters applied.
  const listed = (await call('GET', '/api/suppliers?number[in]=SUP000007,NOPE,SUP000003,SUP000007')).json();
  assert.deepEqual(listed.map((s: { number: string }) => s.number), ['SUP000003', 'SUP000007']);
  const narrowed = (await call('GET', `/api/suppliers?number[in]=SUP000003,SUP000007&name=${encodeURIComponent(two[1].name)}`)).json();
  assert.deepEqual(narrowed.map((s: { number: string }) => s.number), ['SUP000007']);

  const po = sim.state.purchaseOrders.get(1)!;
  const bySupplier = (await call('GET', `/api/purchase_orders?supplier[number]=${po.supplier.number}`)).json();
  assert.ok(bySupplier.length >= 1);
  assert.ok(bySupplier.every((p: { supplier: { number: string } }) => p.supplier.number === po.supplier.number));

  const none = await call('GET', '/api/suppliers?name[starts_with]=Zzz');
  assert.equal(none.statusCode, 200);
  assert.deepEqual(none.json(), []);

  const after = (await call('GET', '/api/suppliers?updated_at[gt]=2024-01-01T01:00:00Z&limit=50')).json();
  assert.ok(after.every((s: { 'updated-at': string }) => s['updated-at'] > '2024-01-01T01:00:00'));
});

test('created records are served back in wire shape; duplicates of natural keys are validation errors', async (t) => {
  const sim = await build(t);
  const call = api(sim, await tokenFor(sim));
  const created = await call('POST', '/api/suppliers', { name: 'Bolt & Nut', number: 'BN-1', payment_term: { code: 'NET30' }, 'primary-contact': { email: 'ap@bn.example' } });
  assert.equal(created.statusCode, 201);
  const supplier = created.json();
  assert.equal(typeof supplier.id, 'number');
  assert.equal(supplier['payment-term'].code, 'NET30');
  assert.equal(supplier['primary-contact'].email, 'ap@bn.example');
  assert.deepEqual((await call('GET', `/api/suppliers/${supplier.id}`)).json(), supplier);

  const dup = await call('POST', '/api/suppliers', { name: 'Other', number: 'BN-1' });
  assert.equal(dup.statusCode, 400);
  assert.ok(dup.json().errors.number);

  const invoice = { 'invoice-number': 'A-1', 'invoice-date': '2025-01-15', supplier: { number: 'BN-1' }, 'invoice-lines': [{ description: 'x', quantity: 2, price: '10.50' }] };
  const inv = await call('POST', '/api/invoices', invoice);
  assert.equal(inv.statusCode, 201);
  assert.equal(inv.json()['total-with-taxes'], '21.00');
  assert.ok((await call('POST', '/api/invoices', invoice)).json().errors['invoice-number']);
  assert.equal((await call('POST', '/api/invoices', { ...invoice, supplier: { number: 'SUP000001' } })).statusCode, 201);

  const lookup = { name: 'Widget', 'external-ref-num': 'W1', lookup: { name: 'Departments' } };
  assert.equal((await call('POST', '/api/lookup_values', lookup)).statusCode, 201);
  const dupLv = (await call('POST', '/api/lookup_values', lookup)).json().errors;
  assert.ok(dupLv.name && dupLv['external-ref-num']);
  assert.equal((await call('POST', '/api/lookup_values', { ...lookup, lookup: { name: 'Cost Centres' } })).statusCode, 201);
  const orphan = await call('POST', '/api/lookup_values', { ...lookup, lookup: { name: 'No such lookup' } });
  assert.equal(orphan.statusCode, 400);
  assert.ok(orphan.json().errors.lookup);

  const invalid = await call('POST', '/api/suppliers', { number: 'no-name' });
  assert.equal(invalid.statusCode, 400);
  assert.ok(invalid.json().errors.name);
});

test('exported is set by its own PUT and reset when the PO changes', async (t) => {
  const sim = await build(t);
  const call = api(sim, await tokenFor(sim));
  const created = await call('POST', '/api/purchase_orders', {
    'po-number': 'EXT-1',
    supplier: { number: 'SUP000001' },
    'order-lines': [{ description: 'Bolts', quantity: '100', price: '0.25' }],
  });
  assert.equal(created.statusCode, 201);
  const po = created.json();
  assert.equal(po.exported, false);
  assert.equal(po.total, '25.00');

  const marked = await call('PUT', `/api/purchase_orders/${po.id}?exported=true`, { 'po-number': 'ignored' });
  assert.equal(marked.json().exported, true);
  assert.equal((await call('GET', '/api/purchase_orders?exported=false&po-number=EXT-1')).json().length, 0);

  const changed = await call('PUT', `/api/purchase_orders/${po.id}`, { 'order-lines': [{ id: po['order-lines'][0].id, quantity: '200' }] });
  assert.equal(changed.statusCode, 200);
  assert.equal(changed.json().exported, false);
  assert.equal(changed.json().version, po.version + 1);
  assert.equal(changed.json().total, '50.00');
  assert.equal((await call('GET', '/api/purchase_orders?exported=false&po-number=EXT-1')).json().length, 1);

  assert.ok((await call('POST', '/api/purchase_orders', { 'po-number': 'EXT-1', supplier: { id: 1 }, 'order-lines': [{ description: 'x', quantity: 1, price: 1 }] })).json().errors['po-number']);
  assert.equal((await call('PUT', '/api/suppliers/1?exported=true')).statusCode, 400);
});

test('beyond the burst the API answers 429 with Retry-After', async (t) => {
  const sim = await build(t, { rateLimit: { perSecond: 25, burst: 20 }, now: () => 1_000 });
  const call = api(sim, await tokenFor(sim));
  const statuses: number[] = [];
  for (let i = 0; i < 21; i++) statuses.push((await call('GET', '/api/accounts')).statusCode);
  assert.deepEqual(statuses.slice(0, 20), Array(20).fill(200));
  const limited = await call('GET', '/api/accounts');
  assert.equal(limited.statusCode, 429);
  assert.ok(Number(limited.headers['retry-after']) >= 1);

  await sim.app.inject({ method: 'PUT', url: '/_sandbox/settings', payload: { rateLimit: false } });
  assert.equal((await call('GET', '/api/accounts')).statusCode, 200);
});

test('the API version header is recorded and can be required', async (t) => {
  const sim = await build(t, { requireApiVersion: true, rateLimit: false });
  const token = await tokenFor(sim);
  const get = (headers: Record<string, string>) => sim.app.inject({ url: '/api/lookups', headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers } });
  assert.equal((await get({})).statusCode, 400);
  assert.equal((await get({ 'x-coupa-api-version': 'R40' })).statusCode, 200);
  const seen = (await sim.app.inject({ url: '/_sandbox/api-versions' })).json();
  assert.equal(seen.R40, 1);
  assert.equal(seen['(missing)'], 1);
});

test('the same seed gives the same data; sizes scale', async (t) => {
  const a = await build(t, { seed: 42 });
  const b = await build(t, { seed: 42 });
  const c = await build(t, { seed: 43 });
  const rows = (sim: typeof a) => JSON.stringify([...sim.state.suppliers.all()]);
  assert.equal(rows(a), rows(b));
  assert.notEqual(rows(a), rows(c));
  const big = await build(t, { sizes: { suppliers: 100_000, purchaseOrders: 0, invoices: 0, accounts: 0, lookupValues: 0 } });
  assert.equal(big.state.suppliers.size, 100_000);
  assert.ok(big.state.suppliers.findBy('number', 'SUP100000'));
});

test("rotating a client's secret refuses the old one and revokes the client's tokens", async (t) => {
  const sim = await build(t);
  const before = await tokenFor(sim);
  const rotate = (clientId: string, payload: unknown) => sim.app.inject({ method: 'POST', url: `/_sandbox/clients/${clientId}/secret`, payload: payload as Record<string, string> });
  assert.equal((await rotate(sim.credentials.clientId, { clientSecret: 'rotated-secret-2' })).statusCode, 200);
  assert.equal((await rotate('nobody', { clientSecret: 'x' })).statusCode, 404);
  assert.equal((await rotate(sim.credentials.clientId, {})).statusCode, 400);
  const get = (token: string) => sim.app.inject({ url: '/api/suppliers', headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
  assert.equal((await get(before)).statusCode, 401, 'tokens of the old secret are revoked');
  await assert.rejects(tokenFor(sim), 'the old secret is refused');
  assert.equal((await get(await tokenFor(sim, { clientSecret: 'rotated-secret-2' }))).statusCode, 200);
});

test('DELETE /api/purchase_order_lines/:id removes a line; invoiced lines, the last line and lines of cancelled orders are refused', async (t) => {
  const sim = await build(t, { sizes: { suppliers: 2, purchaseOrders: 0, invoices: 0, accounts: 1, lookupValues: 0 } });
  const call = api(sim, await tokenFor(sim));
  const supplier = sim.state.suppliers.get(1)!;
  const lines = [1, 2, 3].map((n) => ({ 'line-num': n, description: `Item ${n}`, quantity: '2', price: '5.00' }));
  const po = (await call('POST', '/api/purchase_orders', { 'po-number': 'PO-DEL', supplier: { number: supplier.number }, 'order-lines': lines })).json();
  const [first, second, third] = po['order-lines'] as { id: number }[];
  const removed = await call('DELETE', `/api/purchase_order_lines/${second!.id}`);
  assert.equal(removed.statusCode, 204);
  const after = (await call('GET', `/api/purchase_orders/${po.id}`)).json();
  assert.deepEqual(after['order-lines'].map((l: { 'line-num': number }) => l['line-num']), [1, 3]);
  assert.equal(after.total, '20.00');
  assert.equal(after.version, po.version + 1, 'a deletion is a change of the order');
  assert.equal((await call('DELETE', `/api/purchase_order_lines/${second!.id}`)).statusCode, 404);

  await call('POST', '/api/invoices', { 'invoice-number': 'INV-DEL', 'invoice-date': '2026-11-20', supplier: { number: supplier.number }, 'invoice-lines': [{ description: 'Item 1', quantity: '2', price: '5.00', 'order-line-id': first!.id }] });
  const invoiced = await call('DELETE', `/api/purchase_order_lines/${first!.id}`);
  assert.equal(invoiced.statusCode, 400);
  assert.match(JSON.stringify(invoiced.json().errors), /invoiced/);
  await call('PUT', `/api/purchase_orders/${po.id}/cancel`);
  assert.equal((await call('DELETE', `/api/purchase_order_lines/${third!.id}`)).statusCode, 400, 'a line of a cancelled order');
});
