import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { sign } from './callouts.js';
import { api, build, tokenFor } from './test-support.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real receiver on port 0; `respond` decides each answer. `next(n)` resolves once n requests have arrived. */
async function receiver(t: { after: (fn: () => Promise<void>) => void }, respond: (r: Received) => { status: number; json?: unknown } = () => ({ status: 200 })) {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const answer = respond(r);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json ?? {}));
      for (const w of waiters.filter((x) => received.length >= x.n)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    next: (n: number) => new Promise<void>((resolve) => (received.length >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

const fastRetry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 };

test('an HMAC call-out carries the event id/type and a signature the receiver can verify with the secret', async (t) => {
  const sim = await build(t, { callouts: fastRetry });
  const rx = await receiver(t);
  const reg = await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts', payload: { url: `${rx.url}/hooks`, events: ['purchase_order.issued'], auth: { type: 'hmac', secret: 's3cret' } } });
  assert.equal(reg.statusCode, 201);
  assert.equal(reg.json().auth.secret, undefined);

  const issued = (await sim.app.inject({ method: 'POST', url: '/_sandbox/purchase_orders/1/approve' })).json();
  await rx.next(1);
  const [call] = rx.received;
  assert.equal(call!.headers['x-coupa-event-type'], 'purchase_order.issued');
  assert.ok(call!.headers['x-coupa-event-id']);
  assert.equal(call!.headers['x-coupa-signature'], sign('s3cret', call!.body));
  assert.deepEqual(JSON.parse(call!.body), issued);
});

test('supplier changes and invoices created through the REST API are sent to subscribed endpoints only', async (t) => {
  const sim = await build(t, { callouts: fastRetry });
  const suppliers = await receiver(t);
  const invoices = await receiver(t);
  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts', payload: { url: suppliers.url, events: ['supplier.updated'] } });
  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts', payload: { url: invoices.url, events: ['invoice.created'] } });
  const call = api(sim, await tokenFor(sim));
  await call('PUT', '/api/suppliers/2', { 'payment-term': { code: 'NET60' } });
  await call('POST', '/api/invoices', { 'invoice-number': 'X1', 'invoice-date': '2025-02-01', supplier: { id: 2 }, 'invoice-lines': [{ description: 'd', quantity: 1, price: 5 }] });
  await Promise.all([suppliers.next(1), invoices.next(1)]);
  assert.equal(JSON.parse(suppliers.received[0]!.body)['payment-term'].code, 'NET60');
  assert.equal(JSON.parse(invoices.received[0]!.body)['invoice-number'], 'X1');
  assert.equal(suppliers.received.length, 1);
  assert.equal(invoices.received.length, 1);
});

test('the OAuth 2.0 call-out flow fetches a token with Basic client auth, caches it and sends it as Bearer', async (t) => {
  const sim = await build(t, { callouts: fastRetry });
  let issuedTokens = 0;
  const rx = await receiver(t, (r) => {
    if (r.path === '/token') {
      issuedTokens += 1;
      return { status: 200, json: { access_token: `tok-${issuedTokens}`, token_type: 'bearer', expires_in: 3600 } };
    }
    return { status: r.headers.authorization === 'Bearer tok-1' ? 200 : 401 };
  });
  await sim.app.inject({
    method: 'POST',
    url: '/_sandbox/callouts',
    payload: { url: `${rx.url}/hooks`, auth: { type: 'oauth2', tokenUrl: `${rx.url}/token`, clientId: 'coupa', clientSecret: 'pw' } },
  });
  await sim.app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/1', payload: { name: 'Renamed 1' } });
  await sim.app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/1', payload: { name: 'Renamed 2' } });
  await rx.next(3);

  const token = rx.received[0]!;
  assert.equal(token.path, '/token');
  assert.equal(token.headers.authorization, `Basic ${Buffer.from('coupa:pw').toString('base64')}`);
  assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(token.headers.accept, 'application/json');
  assert.equal(new URLSearchParams(token.body).get('grant_type'), 'client_credentials');
  assert.deepEqual(rx.received.slice(1).map((r) => [r.path, r.headers.authorization]), [
    ['/hooks', 'Bearer tok-1'],
    ['/hooks', 'Bearer tok-1'],
  ]);
});

test('non-2xx answers are retried with backoff until delivered; the log shows each attempt', async (t) => {
  const sim = await build(t, { callouts: fastRetry });
  let calls = 0;
  const rx = await receiver(t, () => ({ status: ++calls < 3 ? 503 : 200 }));
  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts', payload: { url: rx.url } });
  await sim.app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/1', payload: { name: 'Again' } });
  await rx.next(3);
  const log = await waitFor(async () => {
    const deliveries = (await sim.app.inject({ url: '/_sandbox/callouts/deliveries' })).json();
    return deliveries[0]?.status === 'delivered' ? deliveries : undefined;
  });
  assert.deepEqual(log[0].attempts.map((a: { status: number }) => a.status), [503, 503, 200]);
  assert.equal(new Set(rx.received.map((r) => r.headers['x-coupa-event-id'])).size, 1);
});

test('duplicate, redeliver, reorder, oversize and bad-signature faults', async (t) => {
  const sim = await build(t, { callouts: fastRetry });
  const rx = await receiver(t);
  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts', payload: { url: rx.url, auth: { type: 'hmac', secret: 'k' } } });
  const patch = (name: string) => sim.app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/1', payload: { name } });

  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts/faults', payload: { kind: 'duplicate' } });
  await patch('dup');
  await rx.next(2);
  assert.equal(rx.received[0]!.headers['x-coupa-event-id'], rx.received[1]!.headers['x-coupa-event-id']);

  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts/deliveries/1/redeliver' });
  await rx.next(3);
  assert.equal(rx.received[2]!.headers['x-coupa-event-id'], rx.received[0]!.headers['x-coupa-event-id']);

  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts/hold' });
  await patch('first');
  await patch('second');
  assert.equal(rx.received.length, 3);
  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts/release', payload: { order: 'reverse' } });
  await rx.next(5);
  assert.deepEqual(rx.received.slice(3).map((r) => JSON.parse(r.body).name), ['second', 'first']);

  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts/faults', payload: { kind: 'oversize' } });
  await patch('big');
  await rx.next(6);
  const big = rx.received[5]!;
  assert.ok(Buffer.byteLength(big.body) > 256 * 1024);
  assert.equal(big.headers['x-coupa-signature'], sign('k', big.body));

  await sim.app.inject({ method: 'POST', url: '/_sandbox/callouts/faults', payload: { kind: 'bad-signature' } });
  await patch('forged');
  await rx.next(7);
  const forged = rx.received[6]!;
  assert.notEqual(forged.headers['x-coupa-signature'], sign('k', forged.body));
});

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
