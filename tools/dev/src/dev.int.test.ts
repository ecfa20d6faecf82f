import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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

test('npm start --only coupa-writer: the writer gets ready, SIGTERM stops it cleanly', async (t) => {
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
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'tools/dev/src/cli.ts', '--only', 'coupa-writer', '--connections', sandbox.files!.connections, '--base-port', String(basePort)],
    { cwd: repoRoot, env: { ...process.env, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = once(child, 'close');
  t.after(() => child.kill('SIGKILL'));

  const readyz = `http://127.0.0.1:${port}/readyz`;
  await waitFor(async () => (await fetch(readyz)).status === 200, { timeoutMs: 120_000, intervalMs: 250, message: `${readyz} answering 200` });
  assert.match(output, new RegExp(`coupa-writer +${port} +${readyz.replace(/[.]/g, '\\.')}`), 'the summary lists the writer');

  child.kill('SIGTERM');
  const [code] = await closed;
  assert.equal(code, 0, output);
  const serviceLines = output.split('\n').filter((line) => /^coupa-writer +\| /.test(line));
  assert.ok(serviceLines.length > 0);
  for (const line of serviceLines) JSON.parse(line.slice(line.indexOf('| ') + 2)); // pino JSON survives the prefix
  assert.match(output, /coupa-writer +\* stopped \(exit 0\)/);
  assert.match(output, /stack +\* not ours/);
  await assert.rejects(fetch(readyz));
});
