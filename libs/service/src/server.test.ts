import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@mlc/log';
import { Counter, Registry } from 'prom-client';
import { buildServer, type BuildServerParams } from './server.js';

// The shared helper: the real server with test settings, closed when the test ends.
async function build(t: TestContext, params: Partial<BuildServerParams> = {}) {
  const server = buildServer({ logger: createLogger({ name: 'service-test', level: 'silent' }), ...params });
  t.after(() => server.close());
  await server.ready();
  return server;
}

test('/healthz answers while the process is up', async (t) => {
  const server = await build(t);
  const res = await server.inject({ method: 'GET', url: '/healthz' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok' });
});

test('/readyz is 200 without a readiness check and reflects the check otherwise', async (t) => {
  assert.equal((await (await build(t)).inject({ url: '/readyz' })).statusCode, 200);

  let ready = false;
  const server = await build(t, { readiness: async () => ({ ok: ready, details: { kafka: ready ? 'connected' : 'connecting' } }) });
  const notReady = await server.inject({ url: '/readyz' });
  assert.equal(notReady.statusCode, 503);
  assert.deepEqual(notReady.json(), { status: 'not-ready', details: { kafka: 'connecting' } });
  ready = true;
  const nowReady = await server.inject({ url: '/readyz' });
  assert.equal(nowReady.statusCode, 200);
  assert.deepEqual(nowReady.json(), { status: 'ready', details: { kafka: 'connected' } });
});

test('/readyz is 503 with the error code only when the check throws', async (t) => {
  const server = await build(t, {
    readiness: async () => {
      throw Object.assign(new Error('connect ECONNREFUSED postgres://app:pw-s3cret@db/x'), { code: 'ECONNREFUSED' });
    },
  });
  const res = await server.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { status: 'not-ready', details: { error: 'MLC_HTTP_CONNECTION' } });
});

test('/readyz does not hang on a hanging check', async (t) => {
  const server = await build(t, { readiness: () => new Promise(() => {}), readinessTimeoutMs: 10 });
  const res = await server.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
});

test('/metrics serves default Node metrics and what the service registered', async (t) => {
  const registry = new Registry();
  const handled = new Counter({ name: 'mlc_events_handled_total', help: 'events handled', registers: [registry] });
  handled.inc(3);
  const server = await build(t, { metrics: registry });
  // A second shell on the same registry must not register the defaults twice.
  await build(t, { metrics: registry });
  const res = await server.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  assert.match(res.body, /^process_cpu_user_seconds_total /m);
  assert.match(res.body, /^mlc_events_handled_total 3$/m);
});

test('services register their own routes on the shell', async (t) => {
  const server = buildServer({ logger: createLogger({ name: 'service-test', level: 'silent' }) });
  server.post('/webhooks/coupa', async (_req, reply) => reply.code(202).send());
  t.after(() => server.close());
  assert.equal((await server.inject({ method: 'POST', url: '/webhooks/coupa', payload: {} })).statusCode, 202);
});

test('request loggers carry the request id; fastify\'s request lines follow the level', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  const server = buildServer({ logger: createLogger({ name: 'service-test', level: 'warn', destination }) });
  t.after(() => server.close());
  server.get('/quiet', async () => ({ ok: true }));
  server.get('/loud', async (request) => {
    request.log.info('below the level');
    request.log.warn({ detail: 1 }, 'from the route');
    return { ok: true };
  });
  await server.ready();
  assert.equal((await server.inject({ url: '/quiet' })).statusCode, 200);
  assert.equal(lines.length, 0);
  assert.equal((await server.inject({ url: '/loud' })).statusCode, 200);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.msg, 'from the route');
  assert.match(String(lines[0]?.reqId), /^req-/);
});
