import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { createPool } from '@mlc/db';
import { buildEvent, createRegistryCodec, topicFor } from '@mlc/events';
import { createEventProducer, createTopicNamespace } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { startInforSimulator } from '@mlc/sandbox';
import { spawnService, testInfra, uniqueName, waitFor } from '@mlc/testing';

// infor-writer's main.ts as its own process on the stack: what it does with its ION token when
// asked to stop.
const infra = testInfra();

type LoggedRequest = { method: string; url: string; headers: Record<string, string>; body: Record<string, string> | undefined; status?: number };

test('SIGTERM: infor-writer revokes the ION token it used (even from a slow SSO host) before it exits 0, and logs neither token nor secret', { timeout: 120_000 }, async (t) => {
  const connection = uniqueName('iw-stop');
  const prefix = `${connection}.`;
  const ns = createTopicNamespace(prefix);
  const sim = await startInforSimulator({ sizes: { suppliers: 0, purchaseOrders: 0, poLines: 0 } });
  t.after(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'infor-writer-stop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(sim.ionapi), { mode: 0o600 });
  const connectionsFile = join(dir, 'connections.json');
  writeFileSync(connectionsFile, JSON.stringify({ connections: [{ id: connection, infor: { ionapiFile: 'tenant.ionapi', company: '100', division: 'AAA' } }] }));

  const kafka = new Kafka({ clientId: uniqueName('iw-stop-test'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(async () => {
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    const db = createPool(infra.databaseUrl, { max: 1 });
    await db.query('delete from mlc_target_records where connection = $1', [connection]).catch(() => undefined);
    await db.end();
  });

  // debug: every line the service can write is checked for secrets below.
  const child = spawnService('infor-writer', {
    env: { MLC_CONNECTIONS_FILE: connectionsFile, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '1', LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  let port: number | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'listening') port = entry.port;
  });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`infor-writer exited with ${child.exitCode}`);
      return port !== undefined && (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 60_000, message: 'infor-writer ready' },
  );

  // One event, so the writer fetches a token and calls M3 with it.
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: ns.logical });
  const producer = createEventProducer({ kafka, codec, logger: createLogger({ name: 'iw-stop-test', level: 'silent' }) });
  await producer.connect();
  const at = '2026-03-02T10:00:00Z';
  const data = { number: 'STOP01', name: 'Stop Supplies', status: 'active' as const };
  await producer.publish(ns.topic(topicFor('coupa', 'supplier')), [
    buildEvent({ source: 'coupa', connection, entity: 'supplier', key: 'STOP01', data, occurredAt: at, observedAt: at, correlationId: uniqueName('corr') }),
  ]);
  await producer.disconnect();
  await waitFor(() => sim.state.suppliers.has('STOP01'), { timeoutMs: 60_000, message: 'the supplier in M3' });

  // A slow SSO host: shutdown must wait for the revoke, not exit beside it.
  const revokePath = new URL(sim.ionapi.pu + sim.ionapi.or).pathname;
  const fault = await fetch(`${sim.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: revokePath, latencyMs: 800 }),
  });
  assert.ok(fault.ok, `fault injection answered ${fault.status}`);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [exitCode] = (await exited) as [number | null];
  assert.equal(exitCode, 0);

  const requests = (await (await fetch(`${sim.url}/_sandbox/requests`)).json()) as LoggedRequest[];
  const used = requests.filter((r) => r.url.includes('/M3/m3api-rest/')).at(-1)!.headers.authorization!.slice('Bearer '.length);
  const revokes = requests.filter((r) => new URL(r.url, sim.url).pathname === revokePath);
  assert.deepEqual(
    revokes.map((r) => [r.body?.token, r.status]),
    [[used, 200]],
    'exactly one revoke, of the token the writer used',
  );
  const after = await fetch(`${sim.url}/${sim.ionapi.ti}/M3/m3api-rest/v2/execute/CRS620MI/GetBasicData?SUNO=STOP01`, { headers: { authorization: `Bearer ${used}` } });
  assert.equal(after.status, 401, 'the revoked token no longer opens the gateway');

  assert.ok(lines.some((line) => (JSON.parse(line) as { msg?: string }).msg === 'ION access token revoked'));
  for (const secret of [used, sim.ionapi.cs, sim.ionapi.sask]) {
    assert.ok(!lines.some((line) => line.includes(secret)), 'a token or secret reached the log');
  }
});
