import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import Fastify, { type FastifyInstance } from 'fastify';
import { isMlcError, type MlcError } from '@mlc/errors';
import { createLogger } from '@mlc/log';
import { Registry } from 'prom-client';
import { createHttpClient, type HttpClientParams } from './client.js';
import { registerHttpMetrics } from './metrics.js';
import { createTokenProvider } from './token-provider.js';

// A real local server on port 0 per test (the undici test style) and a client bound to it
// through its own dispatcher; both are closed when the test ends.
async function serve(t: TestContext, routes: (app: FastifyInstance) => void) {
  const app = Fastify();
  routes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await app.close();
  });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const recordedSleeps: number[] = [];
  const client = (overrides: Partial<HttpClientParams> = {}) =>
    createHttpClient({
      name: 'test-vendor',
      baseUrl,
      dispatcher,
      ...overrides,
      retry: { sleep: async (ms) => void recordedSleeps.push(ms), random: () => 0.5, ...overrides.retry },
    });
  return { client, recordedSleeps, baseUrl, dispatcher };
}

async function rejection(promise: Promise<unknown>): Promise<MlcError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isMlcError(error), `expected an MlcError, got ${inspect(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function counter() {
  let n = 0;
  return { next: () => ++n, get value() { return n; } };
}

test('parses JSON bodies, keeps text bodies, sends json and query', async (t) => {
  const { client } = await serve(t, (app) => {
    app.post('/base/api/echo', async (req) => ({ query: req.query, body: req.body }));
    app.get('/base/text', async (_req, reply) => reply.type('text/plain').send('hello'));
  });
  const vendor = client();
  const echoed = await vendor.request({ method: 'POST', path: '/base/api/echo', query: { a: 1, skip: undefined }, json: { x: 'y' } });
  assert.equal(echoed.status, 200);
  assert.deepEqual(echoed.body, { query: { a: '1' }, body: { x: 'y' } });
  const text = await vendor.request({ method: 'GET', path: '/base/text' });
  assert.equal(text.body, 'hello');
});

test('the base URL path is kept in front of every call path', async (t) => {
  const { baseUrl, dispatcher } = await serve(t, (app) => {
    app.get('/TENANT/M3/ping', async () => ({ ok: true }));
  });
  const http = createHttpClient({ name: 'ion', baseUrl: `${baseUrl}/TENANT/M3/`, dispatcher });
  assert.deepEqual((await http.request({ method: 'GET', path: 'ping' })).body, { ok: true });
});

test('a call that outlives timeoutMs fails with MLC_HTTP_TIMEOUT, retried once for GET', async (t) => {
  const hits = counter();
  const { client } = await serve(t, (app) => {
    app.get('/slow', (_req, _reply) => {
      hits.next(); // never answers
    });
  });
  const error = await rejection(client({ timeoutMs: 50, retry: { maxAttempts: 2 } }).request({ method: 'GET', path: '/slow' }));
  assert.equal(error.code, 'MLC_HTTP_TIMEOUT');
  assert.equal(error.retriable, true);
  assert.deepEqual(error.context, { client: 'test-vendor', method: 'GET', path: '/slow', attempt: 2 });
  assert.equal(hits.value, 2);
});

test('a non-idempotent POST that times out is not repeated', async (t) => {
  const hits = counter();
  const { client } = await serve(t, (app) => {
    app.post('/slow', (_req, _reply) => {
      hits.next();
    });
  });
  const error = await rejection(client({ timeoutMs: 50 }).request({ method: 'POST', path: '/slow', json: {} }));
  assert.equal(error.code, 'MLC_HTTP_TIMEOUT');
  assert.equal(hits.value, 1);
});

test('503 then 200: Retry-After (seconds) decides the delay', async (t) => {
  const hits = counter();
  const { client, recordedSleeps } = await serve(t, (app) => {
    app.get('/flaky', async (_req, reply) => (hits.next() === 1 ? reply.code(503).header('retry-after', '7').send('busy') : { ok: true }));
  });
  const response = await client().request({ method: 'GET', path: '/flaky' });
  assert.deepEqual(response.body, { ok: true });
  assert.deepEqual(recordedSleeps, [7000]);
});

test('Retry-After as an HTTP-date is honoured and capped at maxRetryAfterMs', async (t) => {
  const hits = counter();
  const now = Date.parse('2025-01-01T00:00:00Z');
  const { client, recordedSleeps } = await serve(t, (app) => {
    app.get('/flaky', async (_req, reply) => {
      const n = hits.next();
      if (n === 1) return reply.code(503).header('retry-after', 'Wed, 01 Jan 2025 00:00:03 GMT').send();
      if (n === 2) return reply.code(503).header('retry-after', '3600').send();
      return { ok: true };
    });
  });
  await client({ retry: { now: () => now, maxRetryAfterMs: 20_000 } }).request({ method: 'GET', path: '/flaky' });
  assert.deepEqual(recordedSleeps, [3000, 20_000]);
});

test('without Retry-After the backoff is exponential with full jitter', async (t) => {
  const { client, recordedSleeps } = await serve(t, (app) => {
    app.get('/down', async (_req, reply) => reply.code(502).send());
  });
  const error = await rejection(
    client({ retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300, random: () => 0.5 } }).request({ method: 'GET', path: '/down' }),
  );
  assert.equal(error.code, 'MLC_HTTP_SERVER_ERROR');
  assert.equal(error.context.attempt, 4);
  // caps 100, 200, 300 (max) times the pinned jitter 0.5
  assert.deepEqual(recordedSleeps, [50, 100, 150]);
});

test('429 is retried even for POST; 5xx is not retried for a non-idempotent POST', async (t) => {
  const hits = counter();
  const serverErrors = counter();
  const { client, recordedSleeps } = await serve(t, (app) => {
    app.post('/limited', async (_req, reply) => (hits.next() === 1 ? reply.code(429).header('retry-after', '2').send() : reply.code(201).send({ id: 1 })));
    app.post('/broken', async (_req, reply) => {
      serverErrors.next();
      return reply.code(500).send({ message: 'oops' });
    });
  });
  const http = client();
  const created = await http.request({ method: 'POST', path: '/limited', json: { name: 'x' } });
  assert.equal(created.status, 201);
  assert.equal(hits.value, 2);
  assert.deepEqual(recordedSleeps, [2000]);

  const error = await rejection(http.request({ method: 'POST', path: '/broken', json: {} }));
  assert.equal(error.code, 'MLC_HTTP_SERVER_ERROR');
  assert.equal(error.context.status, 500);
  assert.equal(error.context.attempt, 1);
  assert.equal(serverErrors.value, 1);
});

test('a POST marked idempotent is retried after a 5xx', async (t) => {
  const hits = counter();
  const { client } = await serve(t, (app) => {
    app.post('/upsert', async (_req, reply) => (hits.next() === 1 ? reply.code(500).send() : { ok: true }));
  });
  const response = await client().request({ method: 'POST', path: '/upsert', json: {}, idempotent: true });
  assert.equal(response.status, 200);
  assert.equal(hits.value, 2);
});

test('errors carry status, attempt, a truncated vendor body, and no query string', async (t) => {
  const { client } = await serve(t, (app) => {
    app.get('/api/suppliers', async (_req, reply) => reply.code(422).send({ errors: 'x'.repeat(5000) }));
  });
  const error = await rejection(
    client().request({ method: 'GET', path: '/api/suppliers', query: { OperatorPassword: 'hunter2-query-secret' } }),
  );
  assert.equal(error.code, 'MLC_HTTP_CLIENT_ERROR');
  assert.equal(error.retriable, false);
  assert.equal(error.context.status, 422);
  assert.equal(error.context.path, '/api/suppliers');
  const responseBody = error.context.responseBody;
  assert.ok(typeof responseBody === 'string' && responseBody.startsWith('{"errors":"xxx'));
  assert.ok(responseBody.length < 2100);
  assert.ok(!inspect(error, { depth: 10 }).includes('hunter2-query-secret'));
});

test('acceptStatuses lets a lookup see a 404 as data', async (t) => {
  const { client } = await serve(t, (app) => {
    app.get('/api/suppliers/42', async (_req, reply) => reply.code(404).send({ message: 'not found' }));
  });
  const http = client();
  const response = await http.request({ method: 'GET', path: '/api/suppliers/42', acceptStatuses: [404] });
  assert.equal(response.status, 404);
  assert.deepEqual(response.body, { message: 'not found' });
  assert.equal((await rejection(http.request({ method: 'GET', path: '/api/suppliers/42' }))).code, 'MLC_HTTP_CLIENT_ERROR');
});

test('a refused connection is MLC_HTTP_CONNECTION and, as nothing was sent, retried even for POST', async (t) => {
  const { dispatcher } = await serve(t, () => {});
  // Reuse the address of a server that is gone: nothing listens there any more.
  const gone = Fastify();
  await gone.listen({ port: 0, host: '127.0.0.1' });
  const address = gone.server.address();
  assert.ok(address !== null && typeof address === 'object');
  await gone.close();
  const sleeps: number[] = [];
  const http = createHttpClient({
    name: 'test-vendor',
    baseUrl: `http://127.0.0.1:${address.port}`,
    dispatcher,
    retry: { maxAttempts: 3, sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
  });
  const error = await rejection(http.request({ method: 'POST', path: '/x', json: {} }));
  assert.equal(error.code, 'MLC_HTTP_CONNECTION');
  assert.equal(error.context.requestSent, false);
  assert.equal(error.context.attempt, 3);
  assert.equal(sleeps.length, 2);
});

test('401 leads to exactly one token refresh, then success', async (t) => {
  const fetches = counter();
  const seen: string[] = [];
  const { client } = await serve(t, (app) => {
    app.get('/api/me', async (req, reply) => {
      seen.push(String(req.headers.authorization));
      return req.headers.authorization === 'Bearer token-2' ? { me: 'ok' } : reply.code(401).send();
    });
  });
  const auth = createTokenProvider({
    name: 'test',
    refreshBeforeSeconds: 0,
    fetchToken: async () => ({ accessToken: `token-${fetches.next()}`, expiresInSeconds: 3600 }),
  });
  const response = await client({ auth }).request({ method: 'GET', path: '/api/me' });
  assert.deepEqual(response.body, { me: 'ok' });
  assert.equal(fetches.value, 2);
  assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2']);
});

test('a second 401 is MLC_AUTH_FAILED, and no token value reaches the error', async (t) => {
  const fetches = counter();
  const hits = counter();
  const { client } = await serve(t, (app) => {
    // A vendor that echoes the credentials it refused: they must still not reach our error.
    app.post('/api/orders', async (req, reply) => {
      hits.next();
      return reply.code(401).send({ error: 'invalid token', got: req.headers.authorization });
    });
  });
  const auth = createTokenProvider({
    name: 'test',
    refreshBeforeSeconds: 0,
    fetchToken: async () => ({ accessToken: `s3cr3t-access-token-${fetches.next()}`, expiresInSeconds: 3600 }),
  });
  const error = await rejection(client({ auth }).request({ method: 'POST', path: '/api/orders', json: { n: 1 } }));
  assert.equal(error.code, 'MLC_AUTH_FAILED');
  assert.equal(error.context.status, 401);
  assert.equal(fetches.value, 2);
  assert.equal(hits.value, 2);
  const rendered = `${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}\n${error.message}`;
  assert.ok(!rendered.includes('s3cr3t-access-token'), rendered);
  assert.ok(!/Bearer (?!\[redacted\])/.test(rendered), rendered);
});

test('the limiter is consulted before every send and learns from 429s', async (t) => {
  const hits = counter();
  const { client } = await serve(t, (app) => {
    app.get('/x', async (_req, reply) => (hits.next() === 1 ? reply.code(429).send() : { ok: true }));
  });
  const events: string[] = [];
  const limiter = {
    take: async () => void events.push('take'),
    onRateLimited: () => void events.push('429'),
    onSuccess: () => void events.push('ok'),
  };
  await client({ limiter }).request({ method: 'GET', path: '/x' });
  assert.deepEqual(events, ['take', '429', 'take', 'ok']);
});

test('calls queued behind a token fetch take their limiter token only once the bearer token is at hand', async (t) => {
  const { client } = await serve(t, (app) => {
    app.get('/x', async () => ({ ok: true }));
  });
  const events: string[] = [];
  let release!: () => void;
  const fetched = new Promise<void>((resolve) => (release = resolve));
  const auth = createTokenProvider({
    name: 'test',
    refreshBeforeSeconds: 0,
    fetchToken: async () => {
      events.push('fetch');
      await fetched;
      events.push('fetched');
      return { accessToken: 'token-1', expiresInSeconds: 3600 };
    },
  });
  const http = client({ auth, limiter: { take: async () => void events.push('take') } });
  const calls = [http.request({ method: 'GET', path: '/x' }), http.request({ method: 'GET', path: '/x' })];
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(events, ['fetch'], 'no limiter token held while the bearer token is fetched');
  release();
  await Promise.all(calls);
  assert.deepEqual(events, ['fetch', 'fetched', 'take', 'take']);
});

test('a caller abort is rethrown as is and not retried', async (t) => {
  const hits = counter();
  const controller = new AbortController();
  const { client } = await serve(t, (app) => {
    app.get('/slow', (_req, _reply) => {
      hits.next();
      controller.abort(new Error('shutting down'));
    });
  });
  await assert.rejects(client().request({ method: 'GET', path: '/slow', signal: controller.signal }), { message: 'shutting down' });
  assert.equal(hits.value, 1);
});

test('a 2xx labelled JSON that is not JSON is MLC_DECODE_FAILED', async (t) => {
  const { client } = await serve(t, (app) => {
    app.get('/bad', async (_req, reply) => reply.type('application/json').send('<html>maintenance</html>'));
  });
  assert.equal((await rejection(client().request({ method: 'GET', path: '/bad' }))).code, 'MLC_DECODE_FAILED');
});

test('retries are logged with call context and without token values', async (t) => {
  const hits = counter();
  const { client } = await serve(t, (app) => {
    app.get('/x', async (_req, reply) => (hits.next() === 1 ? reply.code(503).send() : { ok: true }));
  });
  const lines: string[] = [];
  const logger = createLogger({ name: 'http-test', level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
  const auth = createTokenProvider({
    name: 'test',
    refreshBeforeSeconds: 0,
    logger,
    fetchToken: async () => ({ accessToken: 'log-s3cret-token', expiresInSeconds: 3600 }),
  });
  await client({ auth, logger }).request({ method: 'GET', path: '/x', query: { q: 'query-s3cret' } });
  const retryLine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'retrying HTTP call');
  assert.ok(retryLine !== undefined);
  assert.equal(retryLine.client, 'test-vendor');
  assert.equal(retryLine.status, 503);
  assert.equal(retryLine.path, '/x');
  const all = lines.join('');
  assert.ok(!all.includes('log-s3cret-token') && !all.includes('query-s3cret') && !/Bearer /.test(all), all);
});

test('every response is counted by client and status, and the limiter wait is observed', async (t) => {
  let calls = 0;
  const { client } = await serve(t, (app) => {
    app.get('/limited', async (_req, reply) => (++calls === 1 ? reply.code(429).header('retry-after', '0').send({}) : { ok: true }));
  });
  const registry = new Registry();
  registerHttpMetrics(registry);
  registerHttpMetrics(registry);
  const name = `metrics-${Math.random().toString(16).slice(2)}`;
  let takes = 0;
  const http = client({ name, limiter: { take: async () => void (takes += 1) } });
  await http.request({ method: 'GET', path: '/limited' });
  const series = async (metric: string) =>
    (((await registry.getMetricsAsJSON()).find((m) => m.name === metric)?.values ?? []) as { value: number; labels: Record<string, string | number>; metricName?: string }[]).filter(
      (v) => v.labels.client === name,
    );
  assert.deepEqual(
    (await series('mlc_http_responses_total')).map((v) => [v.labels.status, v.value]).sort(),
    [
      ['200', 1],
      ['429', 1],
    ],
  );
  assert.equal(takes, 2);
  const count = (await series('mlc_http_limiter_wait_seconds')).find((v) => v.metricName === 'mlc_http_limiter_wait_seconds_count');
  assert.equal(count?.value, 2);
});
