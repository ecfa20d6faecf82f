import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@mlc/log';
import { testInfra, uniqueName, waitFor } from '@mlc/testing';
import { createConnectionLeaders, type ConnectionWork, type LeaderState } from './index.js';

const { databaseUrl } = testInfra();
const logger = createLogger({ name: 'leader-test', level: 'silent' });

/** A process serving `connections`: which of them it works on, and the states it went through. */
function replica(service: string, connections: { id: string }[]) {
  const working = new Set<string>();
  const states: Record<string, LeaderState[]> = {};
  const leaders = createConnectionLeaders({
    service,
    connections,
    databaseUrl,
    retryMs: 100,
    logger,
    work: (connection): ConnectionWork => ({
      start: async () => void working.add(connection.id),
      stop: async () => void working.delete(connection.id),
      status: () => (working.has(connection.id) ? { polling: true } : null),
      onStateChange: (state) => (states[connection.id] ??= []).push(state),
    }),
  });
  return { leaders, working, states };
}

test('one leader per connection across replicas: each connection works in exactly one, a standby takes over when its leader stops', async (t) => {
  const service = uniqueName('poller');
  const connections = [{ id: 'acme' }, { id: 'globex' }];
  const a = replica(service, connections);
  await a.leaders.start();
  t.after(() => a.leaders.stop());
  await waitFor(() => a.working.size === 2, { message: 'the first replica leads both connections' });

  const b = replica(service, connections);
  await b.leaders.start();
  t.after(() => b.leaders.stop());
  const ready = await b.leaders.readiness();
  assert.equal(ready.ok, true, 'a standby is ready');
  assert.deepEqual(ready.details.connections, { acme: { role: 'standby', status: null }, globex: { role: 'standby', status: null } });
  assert.deepEqual((await a.leaders.readiness()).details.connections.acme, { role: 'leader', status: { polling: true } });

  await a.leaders.stop();
  assert.equal(a.working.size, 0);
  await waitFor(() => b.working.size === 2, { message: 'the standby takes both over' });
  assert.equal(a.states.acme?.at(-1), 'stopped');
  assert.equal((await a.leaders.readiness()).ok, false, 'a stopped replica is not ready');
  assert.equal(b.states.globex?.at(-1), 'leader', 'state changes reach the connection\'s work (its leader gauge)');
});
