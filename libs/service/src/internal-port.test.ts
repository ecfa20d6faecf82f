import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@mlc/log';
import { runService } from './run-service.js';
import { buildServer } from './server.js';

test('with an internal port, probes and metrics are served there only; the public port serves only the service\'s routes', async (t) => {
  const logger = createLogger({ name: 'internal-test', level: 'silent' });
  const server = buildServer({ logger });
  server.post('/webhooks/x', async () => ({ ok: true }));
  let exited = false;
  const running = await runService({ server, port: 0, internalPort: 0, host: '127.0.0.1', logger, start: async () => undefined, stop: async () => undefined, signalSource: { on: () => undefined, off: () => undefined }, exit: () => void (exited = true) });
  t.after(() => running.shutdown('test'));
  assert.ok(running.internalPort !== undefined && running.internalPort !== running.port);
  const pub = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${running.port}${path}`, init);
  const internal = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${running.internalPort}${path}`, init);

  for (const path of ['/healthz', '/readyz', '/metrics']) {
    assert.equal((await internal(path)).status, 200, `internal ${path}`);
    const refused = await pub(path);
    assert.equal(refused.status, 404, `public ${path}`);
    // The same answer as any unknown path: nothing says a probe lives elsewhere.
    const unknownPath = (await (await pub('/no-such-path')).json()) as { message: string };
    assert.deepEqual(await refused.json(), { ...unknownPath, message: unknownPath.message.replace('/no-such-path', path) });
  }
  assert.equal((await pub('/webhooks/x', { method: 'POST' })).status, 200);
  assert.equal((await internal('/webhooks/x', { method: 'POST' })).status, 404);
  assert.equal(exited, false);
});

test('without an internal port, the probes stay on the one port (local runs, tests)', async (t) => {
  const logger = createLogger({ name: 'internal-test', level: 'silent' });
  const server = buildServer({ logger });
  const running = await runService({ server, port: 0, host: '127.0.0.1', logger, start: async () => undefined, stop: async () => undefined, signalSource: { on: () => undefined, off: () => undefined }, exit: () => undefined });
  t.after(() => running.shutdown('test'));
  assert.equal(running.internalPort, undefined);
  assert.equal((await fetch(`http://127.0.0.1:${running.port}/metrics`)).status, 200);
});
