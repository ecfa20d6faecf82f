import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { installFaults } from './faults.js';

function build(t: { after: (fn: () => Promise<void>) => void }) {
  const app = Fastify();
  const faults = installFaults(app, { seed: 7 });
  app.get('/api/things', async () => ({ ok: true }));
  app.post('/api/things', async (request) => ({ got: request.body }));
  t.after(() => app.close());
  return { app, faults };
}

test('a status rule answers the status with Retry-After, then stops after `times`', async (t) => {
  const { app } = build(t);
  await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { path: '/api/things', status: 429, retryAfterSeconds: 2, times: 1 } });
  const first = await app.inject({ url: '/api/things' });
  assert.equal(first.statusCode, 429);
  assert.equal(first.headers['retry-after'], '2');
  const second = await app.inject({ url: '/api/things' });
  assert.equal(second.statusCode, 200);
});

test('rules match on method and path prefix only', async (t) => {
  const { app } = build(t);
  await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { path: '/api', method: 'post', status: 503 } });
  assert.equal((await app.inject({ url: '/api/things' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: '/api/things', payload: {} })).statusCode, 503);
  await app.inject({ method: 'DELETE', url: '/_sandbox/faults' });
  assert.equal((await app.inject({ method: 'POST', url: '/api/things', payload: {} })).statusCode, 200);
});

test('an invalid rule is refused with the reason', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { rate: 3 } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().issues[0].path[0], 'rate');
});

test('the request log records what clients sent, not admin calls', async (t) => {
  const { app } = build(t);
  await app.inject({ method: 'POST', url: '/api/things?x=1', payload: { name: 'bolt' }, headers: { 'x-api': 'v1' } });
  const log = (await app.inject({ url: '/_sandbox/requests?path=/api' })).json();
  assert.equal(log.length, 1);
  assert.equal(log[0].url, '/api/things?x=1');
  assert.equal(log[0].headers['x-api'], 'v1');
  assert.deepEqual(log[0].body, { name: 'bolt' });
  assert.equal(log[0].status, 200);
});

test('a reset rule drops the connection without an answer', async (t) => {
  const { app } = build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { reset: true, times: 1 } });
  await assert.rejects(fetch(`http://127.0.0.1:${port}/api/things`));
  const ok = await fetch(`http://127.0.0.1:${port}/api/things`);
  assert.equal(ok.status, 200);
});

test('a body rule answers raw text with status 200 (a malformed page), then stops after `times`', async (t) => {
  const { app } = build(t);
  const added = await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { path: '/api/things', body: '{"value":[{"Supp', times: 1 } });
  assert.equal(added.statusCode, 201);
  const broken = await app.inject({ url: '/api/things' });
  assert.equal(broken.statusCode, 200);
  assert.equal(broken.body, '{"value":[{"Supp');
  assert.match(String(broken.headers['content-type']), /application\/json/);
  assert.throws(() => JSON.parse(broken.body));
  assert.deepEqual((await app.inject({ url: '/api/things' })).json(), { ok: true });
});

test('a status below 400 without a body is refused', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { status: 200 } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().issues[0].path[0], 'status');
});
