import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import { toMlcError, type MlcError } from '@mlc/errors';
import { createLogger } from '@mlc/log';
import { testInfra, uniqueName, waitFor } from '@mlc/testing';
import { createLeader, createPool, lockSessionOn, type LeaderState } from './index.js';

const { databaseUrl } = testInfra();

async function rejection(work: Promise<unknown>): Promise<MlcError> {
  try {
    await work;
  } catch (error) {
    return toMlcError(error, { call: 'test' });
  }
  assert.fail('expected the query to fail');
}

test('a statement over the statement timeout is cancelled by the server: MLC_DB_CONFLICT, retriable, SQLSTATE 57014', async (t) => {
  const pool = createPool(databaseUrl, { max: 1, statementTimeoutMs: 300 });
  t.after(() => pool.end());
  assert.equal((await pool.query('show statement_timeout')).rows[0].statement_timeout, '300ms');
  const error = await rejection(pool.query('select pg_sleep(20)'));
  assert.equal(error.code, 'MLC_DB_CONFLICT');
  assert.equal(error.retriable, true);
  assert.equal(error.context.sqlState, '57014');
  assert.equal(error.context.call, 'test');
  // The connection is still good for the next statement.
  assert.equal((await pool.query('select 1 as one')).rows[0].one, 1);
});

test('a statement waiting for a lock past the lock timeout gives up: MLC_DB_CONFLICT, SQLSTATE 55P03', async (t) => {
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  const pool = createPool(databaseUrl, { max: 1, lockTimeoutMs: 200 });
  t.after(async () => {
    await pool.end();
    await holder.end();
  });
  const key = Math.floor(Math.random() * 1e9);
  await holder.query('select pg_advisory_lock(42, $1)', [key]);
  const error = await rejection(pool.query('select pg_advisory_lock(42, $1)', [key]));
  assert.equal(error.code, 'MLC_DB_CONFLICT');
  assert.equal(error.context.sqlState, '55P03');
});

test('a server that does not answer: the client-side read timeout ends the wait (MLC_DB_UNAVAILABLE)', async (t) => {
  const proxy = await freezableProxy(t, databaseUrl);
  const pool = createPool(proxy.url, { max: 1, statementTimeoutMs: 300 });
  t.after(() => pool.end());
  await pool.query('select 1');
  proxy.freeze();
  const error = await rejection(pool.query('select 1'));
  assert.equal(error.code, 'MLC_DB_UNAVAILABLE');
  assert.equal(error.retriable, true);
});

test('a leader whose PostgreSQL stops answering steps down within its check timeout, and leads again once it answers', async (t) => {
  const proxy = await freezableProxy(t, databaseUrl);
  const logs = logCollector();
  const states: LeaderState[] = [];
  let working = false;
  const leader = createLeader({
    name: uniqueName('timeouts-test'),
    connect: lockSessionOn(proxy.url, 'timeouts-test-lock', { statementTimeoutMs: 5_000, connectTimeoutMs: 500 }),
    work: { start: async () => void (working = true), stop: async () => void (working = false) },
    logger: logs.logger,
    retryMs: 100,
    checkTimeoutMs: 300,
    onStateChange: (state) => states.push(state),
  });
  t.after(() => leader.stop());
  leader.start();
  await waitFor(() => leader.state() === 'leader' && working, { message: 'leading' });

  proxy.freeze();
  await waitFor(() => leader.state() === 'standby' && !working, { message: 'stepped down' });
  const ended = logs.lines().find((l) => l.msg === 'leadership ended; stopping work');
  assert.equal(ended?.code, 'MLC_DB_UNAVAILABLE');
  assert.match(String((ended?.err as { message?: string } | undefined)?.message), /liveness check/);

  proxy.thaw();
  await waitFor(() => leader.state() === 'leader' && working, { message: 'leading again' });
  assert.deepEqual(states, ['leader', 'standby', 'leader']);
});

test('a standby whose lock attempt gets no answer gives up on it and tries again', async (t) => {
  const proxy = await freezableProxy(t, databaseUrl);
  const logs = logCollector();
  const open = lockSessionOn(proxy.url, 'timeouts-test-lock', { connectTimeoutMs: 500 });
  let connects = 0;
  const leader = createLeader({
    name: uniqueName('timeouts-test'),
    // The first session connects, then the server stops answering before the lock attempt.
    connect: async () => {
      const session = await open();
      if (++connects === 1) proxy.freeze();
      return session;
    },
    work: { start: async () => undefined, stop: async () => undefined },
    logger: logs.logger,
    retryMs: 100,
    checkTimeoutMs: 300,
  });
  t.after(() => leader.stop());
  leader.start();
  const failed = await waitFor(() => logs.lines().find((l) => l.msg === 'lock session failed; retrying'), { message: 'lock attempt given up' });
  assert.match(String((failed.err as { message?: string }).message), /lock attempt/);
  assert.equal(leader.state(), 'standby');
  proxy.thaw();
  await waitFor(() => leader.state() === 'leader', { message: 'leader after the server answers again' });
  assert.ok(connects >= 2);
});

/** Log lines as objects, for what a test must see logged. */
function logCollector() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ name: 'timeouts-test', level: 'info', destination }), lines: () => lines };
}

/**
 * A TCP proxy to the test database that can stop forwarding (a hung server, or a network that
 * silently drops everything) without closing any connection, and start again.
 */
async function freezableProxy(t: TestContext, url: string): Promise<{ url: string; freeze(): void; thaw(): void }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as { port: number }).port);
  return {
    url: proxied.toString(),
    freeze() {
      frozen = true;
      for (const s of sockets) s.pause();
    },
    thaw() {
      frozen = false;
      for (const s of sockets) s.resume();
    },
  };
}
