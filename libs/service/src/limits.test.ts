import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { createLogger } from '@mlc/log';
import { buildServer, type HttpLimits } from './server.js';

// A real listener on loopback: the deadlines are the HTTP server's, which inject() bypasses.
async function listen(t: TestContext, limits: Partial<HttpLimits>) {
  const server = buildServer({ logger: createLogger({ name: 'limits-test', level: 'silent' }), limits });
  server.post('/upload', async (request) => ({ bytes: String(request.body ?? '').length }));
  t.after(() => server.close());
  await server.listen({ host: '127.0.0.1', port: 0 });
  return (server.server.address() as { port: number }).port;
}

async function open(t: TestContext, port: number): Promise<Socket & { received: () => string }> {
  const socket = connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return Object.assign(socket, { received: () => data });
}

const HEAD = (length: number) => `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n`;

/** Trickles one byte every `everyMs` until the server answers or closes; at most `maxBytes`. */
async function trickle(socket: Socket & { received: () => string }, maxBytes: number, everyMs: number): Promise<{ status: number | undefined; sent: number }> {
  let sent = 0;
  const closed = once(socket, 'close').then(() => true);
  for (; sent < maxBytes && !socket.destroyed && socket.received() === ''; sent++) {
    socket.write('x');
    await Promise.race([new Promise((resolve) => setTimeout(resolve, everyMs)), closed]);
  }
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
  const match = /^HTTP\/1\.1 (\d{3})/.exec(socket.received());
  return { status: match ? Number(match[1]) : undefined, sent };
}

test('a body trickled slower than the request deadline is cut off with 408 and the connection closed', { timeout: 10_000 }, async (t) => {
  const port = await listen(t, { requestTimeoutMs: 400, headersTimeoutMs: 200 });
  const socket = await open(t, port);
  socket.write(HEAD(1000));
  const { status, sent } = await trickle(socket, 200, 20);
  assert.equal(status, 408);
  assert.ok(sent < 200, 'the server did not wait for the whole body');
  assert.ok(socket.destroyed || socket.readableEnded);
});

test('headers that never finish are cut off by the headers deadline', { timeout: 10_000 }, async (t) => {
  const port = await listen(t, { requestTimeoutMs: 400, headersTimeoutMs: 200 });
  const socket = await open(t, port);
  socket.write('POST /upload HTTP/1.1\r\nHost: x\r\n');
  let header = 0;
  const closed = once(socket, 'close');
  for (; header < 100 && !socket.destroyed && socket.received() === ''; header++) {
    socket.write(`X-Slow-${header}: 1\r\n`);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 20)), closed]);
  }
  assert.ok(header < 100, 'the server did not wait for the headers forever');
  assert.match(socket.received(), /^HTTP\/1\.1 408/);
});

test('bodies in flight beyond the cap get 503 at once; a finished one frees its slot', { timeout: 10_000 }, async (t) => {
  const port = await listen(t, { maxInFlightBodies: 2, requestTimeoutMs: 10_000, headersTimeoutMs: 5_000 });
  const slow = [await open(t, port), await open(t, port)];
  for (const socket of slow) socket.write(`${HEAD(4)}x`);
  // The third, while both are still sending.
  const third = await open(t, port);
  third.write(`${HEAD(4)}xxxx`);
  await once(third, 'close');
  assert.match(third.received(), /^HTTP\/1\.1 503/);
  assert.match(third.received(), /retry-after: \d+/i);

  slow[0]!.write('xxx');
  while (!/\r\n\r\n\{"bytes":4\}/.test(slow[0]!.received())) await once(slow[0]!, 'data');
  const fourth = await open(t, port);
  fourth.write(`${HEAD(4)}xxxx`);
  while (!/\{"bytes":4\}/.test(fourth.received())) await once(fourth, 'data');
  assert.match(fourth.received(), /^HTTP\/1\.1 200/);
  // The server's close waits for requests still being received.
  for (const socket of [...slow, fourth]) socket.destroy();
});
