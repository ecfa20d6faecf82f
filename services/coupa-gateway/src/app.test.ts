import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { once } from 'node:events';
import { Secret } from '@mlc/config';
import { contentHashOf } from '@mlc/events';
import { toCanonicalSupplier, DEFAULT_COUPA_MAPPING } from '@mlc/coupa';
import { MlcError } from '@mlc/errors';
import { waitFor } from '@mlc/testing';
import { CLIENT, build, sign, testConnection } from './test-support.js';
import { createBatchingPublisher } from './batching.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../libs/coupa/test/fixtures/inbound/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const SUPPLIER = JSON.stringify(fixture('supplier.json'));
const PO = JSON.stringify(fixture('purchase-order.json'));

function callout(body: string, { type = 'supplier.updated', id = 'e-1', signature = sign(body), headers = {} as Record<string, string> } = {}) {
  return {
    method: 'POST' as const,
    url: '/webhooks/coupa/acme',
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-coupa-event-id': id,
      'x-coupa-event-type': type,
      'x-coupa-delivery-id': '1',
      'x-coupa-delivery-attempt': '1',
      ...(signature ? { 'x-coupa-signature': signature } : {}),
      ...headers,
    },
  };
}

async function token(app: Awaited<ReturnType<typeof build>>['app'], { id = CLIENT.clientId, secret = CLIENT.clientSecret, connection = 'acme', grant = 'client_credentials' } = {}) {
  return app.inject({
    method: 'POST',
    url: `/webhooks/coupa/${connection}/oauth/token`,
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=${grant}`,
  });
}

test('a signed call-out is published as a canonical event and acknowledged after the publish', async (t) => {
  const g = await build(t);
  const res = await g.app.inject(callout(PO, { type: 'purchase_order.issued', id: 'po-evt-1' }));
  assert.equal(res.statusCode, 200);
  assert.equal(g.published.length, 1);
  const { topic, event } = g.published[0]!;
  assert.equal(topic, 'coupa.purchase-orders.v1');
  assert.equal(event.source, 'coupa');
  assert.equal(event.connection, 'acme');
  assert.deepEqual(event.entity, { type: 'purchase-order', key: 'PO-1000123' });
  assert.equal(event.correlationId, 'po-evt-1');
  assert.equal(res.json().eventId, event.id);
  assert.equal(g.deliveries.rows.get('acme|po-evt-1')?.outcome, 'published');
});

test('a retransmitted event id is acknowledged and not published again', async (t) => {
  const g = await build(t);
  assert.equal((await g.app.inject(callout(SUPPLIER, { id: 'dup-1' }))).statusCode, 200);
  const again = await g.app.inject(callout(SUPPLIER, { id: 'dup-1', headers: { 'x-coupa-delivery-id': '2' } }));
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().status, 'duplicate');
  assert.equal(g.published.length, 1);
});

test('an event id arriving again while its first delivery is still publishing gets 503 + Retry-After, then duplicate', async (t) => {
  let ack: () => void = () => undefined;
  const published: string[] = [];
  const g = await build(t, {
    publish: (_topic, event) =>
      new Promise<void>((resolve) => {
        ack = () => {
          published.push(event.id);
          resolve();
        };
      }),
  });
  const first = g.app.inject(callout(SUPPLIER, { id: 'race-1' }));
  await waitFor(() => g.deliveries.rows.get('acme|race-1')?.outcome === 'pending' || undefined, { message: 'first delivery claimed' });

  const concurrent = await g.app.inject(callout(SUPPLIER, { id: 'race-1' }));
  assert.equal(concurrent.statusCode, 503);
  assert.equal(concurrent.json().error, 'in-progress');
  assert.equal(concurrent.headers['retry-after'], '5');

  ack();
  assert.equal((await first).statusCode, 200);
  const retry = await g.app.inject(callout(SUPPLIER, { id: 'race-1' }));
  assert.equal(retry.json().status, 'duplicate');
  assert.equal(published.length, 1);
  assert.equal(await g.metricValue('coupa_gateway_requests_total', { connection: 'acme', outcome: 'in-progress' }), 1);
});

test('a claim whose holder died (kill -9 between claim and completion) is taken over by Coupa\'s retry once its lease lapsed', async (t) => {
  const g = await build(t, { publishTimeoutMs: 1000, claimLeaseMs: 3000 });
  // The dead replica's claim: pending, never completed or released.
  const dead = await g.deliveries.claim({ connection: 'acme', coupaEventId: 'crash-1', eventType: 'supplier.updated', entityType: 'supplier', entityKey: 'x', eventId: 'x', contentHash: 'x', occurredAt: new Date(0) }, 3000);
  assert.ok(dead.claimed);

  const early = await g.app.inject(callout(SUPPLIER, { id: 'crash-1' }));
  assert.equal(early.statusCode, 503, 'within the lease the holder may still publish');
  assert.equal(early.json().error, 'in-progress');

  g.advanceClock(3001);
  const retry = await g.app.inject(callout(SUPPLIER, { id: 'crash-1' }));
  assert.equal(retry.statusCode, 200);
  assert.equal(retry.json().status, 'published');
  assert.equal(g.published.length, 1);
  assert.equal(g.deliveries.rows.get('acme|crash-1')?.outcome, 'published');
});

test('an empty HMAC secret or call-out client secret never authenticates anything (defence behind config validation)', async (t) => {
  const blank = testConnection('acme', { hmacSecret: new Secret(''), oauthClients: [{ clientId: CLIENT.clientId, clientSecret: new Secret('') }] });
  const g = await build(t, { connections: new Map([['acme', blank]]) });
  assert.equal((await g.app.inject(callout(SUPPLIER, { signature: sign(SUPPLIER, '') }))).statusCode, 401);
  assert.equal((await token(g.app, { secret: '' })).statusCode, 401);
  assert.equal(g.published.length, 0);
});

test('an event id header longer than 200 characters is refused with 400 and not stored', async (t) => {
  const g = await build(t);
  const res = await g.app.inject(callout(SUPPLIER, { id: 'e'.repeat(201) }));
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'event-id-too-long');
  assert.equal(g.published.length, 0);
  assert.equal(g.deliveries.rows.size, 0);
  assert.equal(g.rejections[0]?.coupaEventId, undefined);
  assert.equal((await g.app.inject(callout(SUPPLIER, { id: 'e'.repeat(200) }))).statusCode, 200);
});

const supplierAt = (updatedAt: string, name = 'Acme Industrial Supplies') => JSON.stringify({ ...fixture('supplier.json'), 'updated-at': updatedAt, name });

test('a signed body replayed under a new event id is a duplicate of the event it carries: not published again', async (t) => {
  const g = await build(t);
  assert.equal((await g.app.inject(callout(SUPPLIER, { id: 'orig-1' }))).json().status, 'published');
  const replay = await g.app.inject(callout(SUPPLIER, { id: 'replayed-under-new-id' }));
  assert.equal(replay.statusCode, 200);
  assert.equal(replay.json().status, 'duplicate');
  assert.equal(g.published.length, 1);
});

test('a call-out whose record is older than the last one seen for its key is recorded as stale, not published', async (t) => {
  const g = await build(t);
  assert.equal((await g.app.inject(callout(supplierAt('2026-11-20T10:00:00Z', 'Acme New Name'), { id: 'new-1' }))).json().status, 'published');
  const old = await g.app.inject(callout(supplierAt('2026-11-20T09:00:00Z', 'Acme Old Name'), { id: 'old-1' }));
  assert.equal(old.statusCode, 200, 'answered, so Coupa does not retry it');
  assert.equal(old.json().status, 'stale');
  assert.equal(g.published.length, 1);
  assert.equal(g.deliveries.rows.get('acme|old-1')?.outcome, 'stale');
  assert.equal(await g.metricValue('coupa_gateway_requests_total', { connection: 'acme', outcome: 'stale' }), 1);
  // A later change back to earlier content is a change, not a replay.
  const revert = await g.app.inject(callout(supplierAt('2026-11-20T11:00:00Z', 'Acme Old Name'), { id: 'revert-1' }));
  assert.equal(revert.json().status, 'published');
  assert.equal(g.published.length, 2);
});

test('forged, missing or misplaced credentials are refused with 401 and counted', async (t) => {
  const g = await build(t);
  const cases = [
    callout(SUPPLIER, { signature: sign(SUPPLIER, 'wrong-secret') }),
    callout(SUPPLIER, { signature: 'not-hex' }),
    callout(SUPPLIER, { signature: '' }),
    callout(SUPPLIER, { signature: '', headers: { authorization: 'Bearer sandbox-invalid-token' } }),
    // The signature of another body.
    callout(SUPPLIER, { signature: sign(PO) }),
  ];
  for (const request of cases) {
    const res = await g.app.inject(request);
    assert.equal(res.statusCode, 401);
    assert.ok(res.headers['www-authenticate']);
  }
  assert.equal(g.published.length, 0);
  assert.equal(g.rejections.length, 0, 'unauthenticated requests are not written to the audit table');
  assert.equal(await g.metricValue('coupa_gateway_requests_total', { connection: 'acme', outcome: 'unauthorized' }), cases.length);
  assert.equal(await g.metricValue('coupa_gateway_auth_failures_total', { connection: 'acme', reason: 'bad-signature' }), 3);
  assert.equal(await g.metricValue('coupa_gateway_auth_failures_total', { connection: 'acme', reason: 'token-malformed' }), 1);
});

test('an unknown connection gets exactly the answer of bad credentials (status, body, headers); one without a secret refuses unsigned calls', async (t) => {
  const g = await build(t);
  const comparable = (res: Awaited<ReturnType<typeof g.app.inject>>) => {
    const { date: _date, ...headers } = res.headers;
    return { status: res.statusCode, body: res.body, headers };
  };
  const pairs = [
    [callout(SUPPLIER, { signature: sign(SUPPLIER, 'a-wrong-secret-of-16-bytes') }), callout(SUPPLIER)],
    [callout(SUPPLIER, { signature: '' }), callout(SUPPLIER, { signature: '' })],
    [callout(SUPPLIER, { signature: '', headers: { authorization: 'Bearer mct1.e30.AAAA' } }), callout(SUPPLIER, { signature: '', headers: { authorization: 'Bearer mct1.e30.AAAA' } })],
  ];
  for (const [known, unknown] of pairs) {
    const badCredentials = comparable(await g.app.inject(known!));
    assert.equal(badCredentials.status, 401);
    assert.deepEqual(comparable(await g.app.inject({ ...unknown!, url: '/webhooks/coupa/other' })), badCredentials);
  }
  const badClient = comparable(await token(g.app, { secret: 'a-wrong-secret-of-16-bytes' }));
  assert.equal(badClient.status, 401);
  assert.deepEqual(comparable(await token(g.app, { connection: 'other' })), badClient);

  const unsigned = await build(t, { connections: new Map([['acme', testConnection('acme', { hmacSecret: undefined, oauthClients: [] })]]) });
  assert.equal((await unsigned.app.inject(callout(SUPPLIER))).statusCode, 401);
});

test('malformed JSON, unknown event types and unmappable records are 4xx and recorded for audit', async (t) => {
  const g = await build(t);
  const broken = '{"id": 1, "name": ';
  const noNumber = JSON.stringify({ ...fixture('supplier.json'), number: null });
  const results = [
    await g.app.inject(callout(broken, { id: 'bad-json' })),
    await g.app.inject(callout(SUPPLIER, { id: 'bad-type', type: 'supplier.deleted' })),
    await g.app.inject(callout(SUPPLIER, { id: '', headers: {} })),
    await g.app.inject(callout(noNumber, { id: 'no-number' })),
  ];
  assert.deepEqual(results.map((r) => r.statusCode), [400, 400, 400, 422]);
  assert.deepEqual(g.rejections.map((r) => [r.coupaEventId, r.code, r.status]), [
    ['bad-json', 'malformed-json', 400],
    ['bad-type', 'unknown-event-type', 400],
    [undefined, 'missing-event-id', 400],
    ['no-number', 'MLC_MAPPING_FAILED', 422],
  ]);
  assert.equal(g.rejections[0]!.body?.toString(), broken);
  assert.equal(g.published.length, 0);
  assert.equal(g.deliveries.rows.size, 0, 'a refused event can be sent again once fixed');
});

test('a call-out whose event is over the record limit is 413 and recorded for audit; its claim released, nothing sent', async (t) => {
  const sent: string[] = [];
  const publish = createBatchingPublisher({ publishBatch: async (_topic, events) => void sent.push(...events.map((e) => e.id)), maxRecordBytes: 600 });
  const g = await build(t, { publish });
  const res = await g.app.inject(callout(SUPPLIER, { id: 'big-1' }));
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().error, 'event-too-large');
  assert.match(res.json().message, /over the 600-byte record limit/);
  assert.deepEqual(g.rejections.map((r) => [r.coupaEventId, r.code, r.status]), [['big-1', 'event-too-large', 413]]);
  assert.deepEqual(sent, []);
  assert.equal(g.deliveries.rows.size, 0, 'a retry after the limit is raised is published');
  assert.equal(await g.metricValue('coupa_gateway_requests_total', { connection: 'acme', outcome: 'too-large' }), 1);
});

test('Kafka down: 503 so Coupa retries, nothing recorded; the retry publishes', async (t) => {
  const g = await build(t);
  g.setKafkaDown(true);
  const res = await g.app.inject(callout(SUPPLIER, { id: 'k-1' }));
  assert.equal(res.statusCode, 503);
  assert.ok(res.headers['retry-after']);
  assert.equal(g.deliveries.rows.size, 0);
  g.setKafkaDown(false);
  assert.equal((await g.app.inject(callout(SUPPLIER, { id: 'k-1' }))).statusCode, 200);
  assert.equal(g.published.length, 1);
});

test('Kafka not answering, event still queued: 503 after the publish timeout, the event dropped and its claim released', async (t) => {
  const queued = (_topic: string, _event: unknown, options?: { signal?: AbortSignal | undefined }) =>
    new Promise<void>((_, reject) => options?.signal?.addEventListener('abort', () => reject(new MlcError('MLC_KAFKA_UNAVAILABLE', 'dropped', { context: { reason: 'caller-gave-up' } }))));
  const g = await build(t, { publish: queued, publishTimeoutMs: 1 });
  const res = await g.app.inject(callout(SUPPLIER, { id: 'hang-1' }));
  assert.equal(res.statusCode, 503);
  assert.ok(res.headers['retry-after']);
  await waitFor(() => g.deliveries.rows.size === 0, { message: 'claim released' });
});

test('Kafka not answering, event already in a send: 503, the claim held until the send ends, then completed', async (t) => {
  let ack: () => void = () => undefined;
  const inFlight = () => new Promise<void>((resolve) => (ack = resolve));
  const g = await build(t, { publish: inFlight, publishTimeoutMs: 1 });
  assert.equal((await g.app.inject(callout(SUPPLIER, { id: 'slow-1' }))).statusCode, 503);
  const retry = await g.app.inject(callout(SUPPLIER, { id: 'slow-1' }));
  assert.equal(retry.statusCode, 503, 'a retry while the send is in flight is asked to come back');
  assert.equal(retry.json().error, 'in-progress');
  ack();
  await waitFor(() => g.deliveries.rows.get('acme|slow-1')?.outcome === 'published', { message: 'late ack recorded' });
  const later = await g.app.inject(callout(SUPPLIER, { id: 'slow-1' }));
  assert.equal(later.statusCode, 200);
  assert.equal(later.json().status, 'duplicate');
});

test('a declared Content-Length over the cap is refused with 413 before reading', async (t) => {
  const g = await build(t, { connections: new Map([['acme', testConnection('acme', { maxBodyBytes: 1024 })]]) });
  const big = JSON.stringify({ ...fixture('supplier.json'), padding: 'x'.repeat(2000) });
  const res = await g.app.inject(callout(big));
  assert.equal(res.statusCode, 413);
  assert.equal(res.headers.connection, 'close');
  assert.equal(await g.metricValue('coupa_gateway_requests_total', { connection: 'acme', outcome: 'too-large' }), 1);
});

test('a chunked upload is cut off as soon as it passes the cap: 413 arrives and the connection closes mid-upload', async (t) => {
  const g = await build(t);
  await g.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = g.app.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
  const closed = once(socket, 'close');
  socket.on('error', () => undefined);

  socket.write(
    'POST /webhooks/coupa/acme HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n' +
      `X-Coupa-Event-Id: big-1\r\nX-Coupa-Event-Type: supplier.updated\r\nX-Coupa-Signature: ${'0'.repeat(64)}\r\n\r\n`,
  );
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  const intended = 64 * 1024 * 1024;
  let sent = 0;
  let gotResponse = false;
  // Send slowly: after the cap is passed, one chunk per round trip of the event loop, and stop as
  // soon as the server answered or closed. The sender never gets near what it meant to send.
  while (sent < intended && !socket.destroyed) {
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const flushed = socket.write(frame);
    sent += chunk.length;
    if (response.startsWith('HTTP/1.1 413')) gotResponse = true;
    if (!flushed) await Promise.race([once(socket, 'drain'), closed]);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  await closed;
  assert.match(response, /^HTTP\/1\.1 413 /);
  assert.match(response, /connection: close/i);
  assert.ok(gotResponse || socket.destroyed);
  assert.ok(sent < intended, `the connection closed before the client finished (sent ${sent} of ${intended} bytes)`);
  assert.equal(g.published.length, 0);
});

test('a declared Content-Length over the cap gets 413 without a byte of the body sent', async (t) => {
  const g = await build(t);
  await g.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = g.app.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  socket.write(
    `POST /webhooks/coupa/acme HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n` +
      `X-Coupa-Event-Id: big-2\r\nX-Coupa-Event-Type: supplier.updated\r\nX-Coupa-Signature: ${'0'.repeat(64)}\r\n\r\n`,
  );
  await closed;
  assert.match(response, /^HTTP\/1\.1 413 /);
});

test('OAuth call-out flow: Basic client credentials get a bearer token that authorises call-outs', async (t) => {
  const g = await build(t);
  const res = await token(g.app);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'no-store');
  const body = res.json() as { access_token: string; token_type: string; expires_in: number };
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.expires_in, 3600);
  const ok = await g.app.inject(callout(SUPPLIER, { signature: '', headers: { authorization: `Bearer ${body.access_token}` } }));
  assert.equal(ok.statusCode, 200);
  assert.equal(g.published.length, 1);
});

test('OAuth: a token minted by one replica verifies on another with the same configuration', async (t) => {
  const a = await build(t);
  const b = await build(t);
  const { access_token } = (await token(a.app)).json() as { access_token: string };
  const res = await b.app.inject(callout(SUPPLIER, { signature: '', headers: { authorization: `Bearer ${access_token}` } }));
  assert.equal(res.statusCode, 200);
});

test('OAuth: wrong client credentials, grant types, expired tokens and other connections are refused', async (t) => {
  const g = await build(t, {
    connections: new Map([
      ['acme', testConnection('acme')],
      ['beta', testConnection('beta')],
    ]),
  });
  assert.equal((await token(g.app, { secret: 'nope' })).statusCode, 401);
  assert.equal((await token(g.app, { secret: 'nope' })).json().error, 'invalid_client');
  assert.equal((await token(g.app, { id: 'someone-else' })).statusCode, 401);
  assert.equal((await token(g.app, { grant: 'password' })).json().error, 'unsupported_grant_type');

  const { access_token: beta } = (await token(g.app, { connection: 'beta' })).json() as { access_token: string };
  const other = await g.app.inject(callout(SUPPLIER, { signature: '', headers: { authorization: `Bearer ${beta}` } }));
  assert.equal(other.statusCode, 401, 'a token of another connection is not ours here');

  const { access_token } = (await token(g.app)).json() as { access_token: string };
  const [head, , sig] = access_token.split('.');
  const forged = `${head}.${Buffer.from(JSON.stringify({ c: 'acme', sub: CLIENT.clientId, exp: 4102444800 })).toString('base64url')}.${sig}`;
  assert.equal((await g.app.inject(callout(SUPPLIER, { signature: '', headers: { authorization: `Bearer ${forged}` } }))).statusCode, 401);

  g.advanceClock(3600 * 1000);
  const expired = await g.app.inject(callout(SUPPLIER, { signature: '', headers: { authorization: `Bearer ${access_token}` } }));
  assert.equal(expired.statusCode, 401);
  assert.equal(await g.metricValue('coupa_gateway_auth_failures_total', { connection: 'acme', reason: 'token-expired' }), 1);
  assert.equal(g.published.length, 0);
});

test('OAuth: rotating the client secret revokes the tokens issued with the old one', async (t) => {
  const g = await build(t);
  const { access_token } = (await token(g.app)).json() as { access_token: string };
  const rotated = await build(t, {
    connections: new Map([['acme', testConnection('acme', { oauthClients: [{ clientId: CLIENT.clientId, clientSecret: new Secret('rotated') }] })]]),
  });
  assert.equal((await rotated.app.inject(callout(SUPPLIER, { signature: '', headers: { authorization: `Bearer ${access_token}` } }))).statusCode, 401);
});

test('a supplier change that is the echo of coupa-writer\'s own write is recorded and not forwarded', async (t) => {
  const g = await build(t);
  const mapped = toCanonicalSupplier(fixture('supplier.json'), DEFAULT_COUPA_MAPPING);
  assert.ok(mapped.ok);
  g.remember({ connection: 'acme', targetSystem: 'coupa', entityType: 'supplier', naturalKey: 'ACME01' }, contentHashOf(mapped.value.data));
  const echo = await g.app.inject(callout(SUPPLIER, { id: 'echo-1' }));
  assert.equal(echo.statusCode, 200);
  assert.equal(echo.json().status, 'echo');
  assert.equal(g.published.length, 0);
  assert.equal(g.deliveries.rows.get('acme|echo-1')?.outcome, 'echo');

  const changed = JSON.stringify({ ...fixture('supplier.json'), name: 'Acme Renamed' });
  assert.equal((await g.app.inject(callout(changed, { id: 'change-1' }))).json().status, 'published');
  assert.equal(g.published.length, 1);
});

test('an invoice names PO lines by Coupa id: the line numbers learned from the PO call-out fill poLineNumber', async (t) => {
  const g = await build(t);
  assert.equal((await g.app.inject(callout(PO, { type: 'purchase_order.issued', id: 'po-1' }))).statusCode, 200);
  const res = await g.app.inject(callout(JSON.stringify(fixture('invoice.json')), { type: 'invoice.created', id: 'inv-1' }));
  assert.equal(res.statusCode, 200);
  const invoice = g.published.find((p) => p.event.type === 'invoice.changed')!.event;
  assert.ok(invoice.type === 'invoice.changed');
  assert.deepEqual(invoice.data.lines.map((l) => [l.poNumber, l.poLineNumber]), [['PO-1000123', 1], ['PO-1000123', 2]]);
});
