import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import Fastify from 'fastify';
import { calloutHeaders, startLoadWorker, summarize } from './load.js';

test('summarize: rate and nearest-rank percentiles of the latencies', () => {
  const r = summarize(Array.from({ length: 100 }, (_, i) => 100 - i), 2);
  assert.deepEqual({ ...r }, { count: 100, seconds: 2, perSecond: 50, p50: 50, p95: 95, p99: 99, max: 100 });
  assert.equal(summarize([], 1).p99, 0);
});

test('call-out headers sign the body with the connection secret and carry a fresh event id each', () => {
  const a = calloutHeaders('{"id":1}', 'secret');
  const b = calloutHeaders('{"id":1}', 'secret');
  assert.equal(a['x-coupa-signature'], createHmac('sha256', 'secret').update('{"id":1}').digest('hex'));
  assert.notEqual(a['x-coupa-event-id'], b['x-coupa-event-id']);
});

test('the worker thread runs closed- and open-loop phases and reports a non-200 answer as a failure', async (t) => {
  const seen: string[] = [];
  const app = Fastify();
  app.post('/bare', async (request, reply) => {
    const { number } = request.body as { number: string };
    seen.push(number);
    return number.endsWith('-13') ? reply.code(500).send({ error: 'boom' }) : { status: 'ok' };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = startLoadWorker();
  t.after(async () => {
    await client.close();
    await app.close();
  });
  const closed = await client.run({ mode: 'closed', count: 10, concurrency: 3, target: { kind: 'bare', url, run: 'r', offset: 0 } });
  assert.equal(closed.count, 10);
  const open = await client.run({ mode: 'open', count: 10, perSecond: 200, connections: 4, target: { kind: 'bare', url, run: 'r', offset: 100 } });
  assert.equal(open.count, 10);
  assert.deepEqual(seen.sort(), [...Array.from({ length: 10 }, (_, i) => `Br-${i}`), ...Array.from({ length: 10 }, (_, i) => `Br-${100 + i}`)].sort());
  await assert.rejects(client.run({ mode: 'closed', count: 20, concurrency: 2, target: { kind: 'bare', url, run: 'r', offset: 0 } }), /request 13 to \/bare answered 500/);
});
