import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createLogger } from '@mlc/log';
import { runService, type RunServiceParams } from './run-service.js';
import { buildServer } from './server.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

// Runs a service on port 0 with a fake signal source and a recorded exit; `exited` resolves with
// the first exit code.
function harness(t: TestContext) {
  const logger = createLogger({ name: 'service-test', level: 'silent' });
  const server = buildServer({ logger });
  t.after(() => server.close());
  const signals = new EventEmitter();
  const exitCodes: number[] = [];
  const exited = deferred<number>();
  const run = (params: Pick<RunServiceParams, 'start' | 'stop'> & Partial<RunServiceParams>) =>
    runService({
      server,
      port: 0,
      host: '127.0.0.1',
      logger,
      signalSource: signals,
      exit: (code) => {
        exitCodes.push(code);
        exited.resolve(code);
      },
      ...params,
    });
  const readyz = async () => (await server.inject({ url: '/readyz' })).statusCode;
  return { server, signals, exitCodes, exited: exited.promise, run, readyz };
}

test('not ready while starting, ready after start, SIGTERM stops, closes and exits 0', async (t) => {
  const h = harness(t);
  const seen: Record<string, number> = {};
  const running = await h.run({
    start: async () => {
      seen.duringStart = await h.readyz();
    },
    stop: async () => {
      seen.duringStop = await h.readyz();
    },
  });
  assert.ok(running.port > 0);
  assert.equal(await h.readyz(), 200);

  h.signals.emit('SIGTERM', 'SIGTERM');
  assert.equal(await h.exited, 0);
  assert.deepEqual(seen, { duringStart: 503, duringStop: 503 });
  assert.equal(h.server.server.listening, false);
  assert.equal(h.signals.listenerCount('SIGTERM'), 0, 'signal handlers are removed');
});

test('a second signal during shutdown forces exit 1', async (t) => {
  const h = harness(t);
  const stopEntered = deferred();
  const releaseStop = deferred();
  await h.run({
    start: async () => {},
    stop: async () => {
      stopEntered.resolve();
      await releaseStop.promise;
    },
  });
  h.signals.emit('SIGTERM', 'SIGTERM');
  await stopEntered.promise;
  h.signals.emit('SIGINT', 'SIGINT');
  assert.equal(await h.exited, 1);
  releaseStop.resolve();
  assert.deepEqual(h.exitCodes, [1], 'exit is called once');
});

test('a stop that outlives shutdownTimeoutMs exits 1', async (t) => {
  const h = harness(t);
  const running = await h.run({ start: async () => {}, stop: () => new Promise(() => {}), shutdownTimeoutMs: 20 });
  void running.shutdown('test');
  assert.equal(await h.exited, 1);
});

test('a failing stop exits 1', async (t) => {
  const h = harness(t);
  const running = await h.run({
    start: async () => {},
    stop: async () => {
      throw new Error('commit failed');
    },
  });
  await running.shutdown('test');
  assert.deepEqual(h.exitCodes, [1]);
});

test('a failed start stops what was started, exits 1 and rejects', async (t) => {
  const h = harness(t);
  let stopped = false;
  await assert.rejects(
    h.run({
      start: async () => {
        throw new Error('kafka unreachable');
      },
      stop: async () => {
        stopped = true;
      },
    }),
    { message: 'kafka unreachable' },
  );
  assert.equal(stopped, true);
  assert.deepEqual(h.exitCodes, [1]);
});
