import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startSandbox } from '@mlc/sandbox';
import { testInfra, uniqueName, waitFor } from '@mlc/testing';
import { discoverServices } from './services.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

test('npm start --only coupa-writer: JSON lines, the writer gets ready, SIGTERM to npm stops every process it started', async (t) => {
  const infra = testInfra();
  const dir = await mkdtemp(join(tmpdir(), 'mlc-dev-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sandbox = await startSandbox({ sizes: { suppliers: 1, purchaseOrders: 0 }, outDir: dir });
  t.after(() => sandbox.close());

  // Own topics and consumer group (the writer namespaces both), removed afterwards.
  const prefix = `${uniqueName('dev')}.`;
  const admin = new Kafka({ clientId: 'dev-int-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(async () => {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  const port = await freePort();
  const basePort = port - discoverServices(repoRoot).indexOf('coupa-writer');
  // The README's command, as a process manager runs it: npm start, not a terminal (so JSON lines),
  // and later SIGTERM to npm alone.
  const child = spawn(
    'npm',
    ['start', '--silent', '--', '--only', 'coupa-writer', '--connections', sandbox.files!.connections, '--base-port', String(basePort)],
    { cwd: repoRoot, env: { ...process.env, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const closed = once(child, 'close');
  t.after(() => child.kill('SIGKILL'));

  const readyz = `http://127.0.0.1:${port}/readyz`;
  await waitFor(async () => (await fetch(readyz)).status === 200, { timeoutMs: 120_000, intervalMs: 250, message: `${readyz} answering 200` });
  // Everything npm start runs: npm, the bootstrap, the dev runner, the writer (in its own group).
  const tree = descendants(child.pid!);
  assert.ok(tree.length >= 3, `npm's process tree: ${tree.join(' ')}`);

  child.kill('SIGTERM');
  const [code] = await closed;
  assert.equal(code, 0, `${output}\n${errors}`);
  const lines = output.split('\n').filter((line) => line !== '');
  const records = lines.map((line) => JSON.parse(line) as { service: string; component?: string; msg: string; services?: Array<{ name: string; ready: string }> });
  const summary = records.find((r) => r.service === 'dev' && r.msg === 'ml-connector is running');
  assert.deepEqual(
    summary?.services?.map((s) => [s.name, s.ready]),
    [['coupa-writer', readyz]],
    'the summary lists the writer',
  );
  assert.ok(records.some((r) => r.service === 'coupa-writer' && r.component !== undefined), "the writer's own log lines, unchanged");
  assert.ok(records.some((r) => r.service === 'dev' && r.component === 'coupa-writer' && r.msg === 'stopped (exit 0)'));
  assert.ok(records.some((r) => r.service === 'dev' && r.component === 'stack' && r.msg.startsWith('not ours')));
  await assert.rejects(fetch(readyz));
  const commands = new Map(tree.map((pid) => [pid, commandOf(pid)]));
  // Helpers of a process that has just exited (tsx's esbuild) end when they see their pipe close.
  await waitFor(() => tree.filter(alive).length === 0, { timeoutMs: 10_000, intervalMs: 100, message: 'every process npm start started gone' }).catch(() => undefined);
  const left = tree.filter(alive);
  assert.deepEqual(left, [], `still running after npm start stopped: ${left.map((pid) => `${pid} ${commands.get(pid)}`).join('; ')}`);
});

/** Pids of every process below `pid` (Linux /proc), whatever their process group. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '?';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
