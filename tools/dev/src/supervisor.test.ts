import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRestartPolicy } from './backoff.js';
import { createSupervisor, type SupervisorEvent } from './supervisor.js';

// Real child processes (plain `node -e`): the supervisor's job is signals and exits, which a fake
// spawn would only imitate.
function supervise(script: string, policy = createRestartPolicy({ maxRestarts: 0 })) {
  const events: SupervisorEvent[] = [];
  const lines: string[] = [];
  const waiters: Array<{ match: () => boolean; resolve: () => void }> = [];
  const check = () => {
    for (const w of waiters.splice(0)) {
      if (w.match()) w.resolve();
      else waiters.push(w);
    }
  };
  const supervisor = createSupervisor({
    command: process.execPath,
    args: ['-e', script],
    cwd: process.cwd(),
    env: process.env,
    policy,
    onLine: (line) => (lines.push(line), check()),
    onEvent: (event) => (events.push(event), check()),
  });
  const until = (match: () => boolean) => new Promise<void>((resolve) => (match() ? resolve() : waiters.push({ match, resolve })));
  return { supervisor, events, lines, until };
}

test('a crashing process is restarted with backoff, then given up', async (t) => {
  const run = supervise('process.exit(3)', createRestartPolicy({ maxRestarts: 2, initialDelayMs: 1, maxDelayMs: 2 }));
  t.after(() => run.supervisor.stop(1000));
  run.supervisor.start();
  await run.until(() => run.events.some((e) => e.type === 'gave-up'));
  assert.deepEqual(
    run.events.filter((e) => e.type !== 'started').map((e) => (e.type === 'exited' ? `exit ${e.code} ${e.expected}` : e.type === 'restarting' ? `restart ${e.attempt} ${e.delayMs}` : e.type)),
    ['exit 3 false', 'restart 1 1', 'exit 3 false', 'restart 2 2', 'exit 3 false', 'gave-up'],
  );
  assert.equal(run.events.filter((e) => e.type === 'started').length, 3);
});

test('stop sends SIGTERM and does not restart; every output line arrives whole, before the exit', async () => {
  const run = supervise(`process.stdout.write('{"a":'); setTimeout(() => { process.stdout.write('1}\\nsecond\\r\\n'); process.stderr.write('err\\n'); }, 5); setInterval(() => {}, 1000);`);
  run.supervisor.start();
  await run.until(() => run.lines.length === 3);
  await run.supervisor.stop(10_000);
  assert.deepEqual([...run.lines].sort(), ['err', 'second', '{"a":1}'].sort());
  const exit = run.events.find((e) => e.type === 'exited');
  assert.deepEqual(exit && { signal: exit.signal, expected: exit.expected }, { signal: 'SIGTERM', expected: true });
  assert.equal(run.events.at(-1)?.type, 'exited');
});

test('a process that ignores SIGTERM is killed after the grace period', async () => {
  const run = supervise(`process.on('SIGTERM', () => console.log('ignored')); console.log('armed'); setInterval(() => {}, 1000);`);
  run.supervisor.start();
  await run.until(() => run.lines.includes('armed'));
  await run.supervisor.stop(200);
  assert.deepEqual(
    run.events.filter((e) => e.type === 'killed' || e.type === 'exited').map((e) => (e.type === 'exited' ? e.signal : e.type)),
    ['killed', 'SIGKILL'],
  );
});
