import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { SANDBOX_MAPPINGS, coupaEndpoint, startCoupaSimulator, startInforSimulator } from '@mlc/sandbox';
import { spawnService, testInfra, uniqueName, waitFor } from '@mlc/testing';

// M3 → Coupa as it runs in production: infor-poller and coupa-writer are their own main.ts in child
// processes on the real Kafka, registry and Postgres, between the Infor and Coupa simulators.

type Row = Record<string, unknown>;
const infra = testInfra();

test('M3 suppliers reach Coupa through infor-poller and coupa-writer; a supplier changed in M3 is changed in Coupa, and only it is written', async (t) => {
  const connection = uniqueName('e2e-m3');
  const prefix = `${connection}.`;
  const infor = await startInforSimulator({ seed: 9, sizes: { suppliers: 6, purchaseOrders: 0, poLines: 0 }, requestsPerMinute: false });
  const coupa = await startCoupaSimulator({ seed: 9, sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'e2e-infor-coupa-'));
  writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(infor.ionapi), { mode: 0o600 });
  const connectionsFile = join(dir, 'connections.json');
  const file = {
    allowLiteralSecrets: true,
    connections: [
      {
        id: connection,
        infor: { ionapiFile: 'tenant.ionapi', company: infor.state.company, division: infor.state.division, requestsPerMinute: 100_000, poll: { intervalSeconds: 1, overlapSeconds: 0, pageSize: 4 } },
        coupa: coupaEndpoint(coupa),
        mappings: { coupa: SANDBOX_MAPPINGS.coupa },
      },
    ],
  };
  writeFileSync(connectionsFile, JSON.stringify(file), { mode: 0o600 });
  const children: ChildProcess[] = [];
  const start = (service: string, env: NodeJS.ProcessEnv) => {
    const child = spawnService(service, { env: { MLC_CONNECTIONS_FILE: connectionsFile, MLC_CONNECTIONS: connection, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '3', ...env } });
    children.push(child);
    return child;
  };
  t.after(async () => {
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map(async (c) => {
      c.kill('SIGKILL');
      await once(c, 'exit');
    }));
    const kafka = new kafkajs.Kafka({ clientId: uniqueName('e2e-cleanup'), brokers: infra.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: (await admin.listTopics()).filter((name) => name.startsWith(prefix)) }).catch(() => undefined);
    await admin.disconnect();
    const db = new pg.Client({ connectionString: infra.databaseUrl });
    await db.connect();
    await db.query('delete from infor_poller_hashes where connection = $1', [connection]).catch(() => undefined);
    await db.query('delete from mlc_target_records where connection = $1', [connection]).catch(() => undefined);
    await db.end();
    await Promise.allSettled([infor.close(), coupa.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const coupaSuppliers = async () => (await (await fetch(`${coupa.url}/_sandbox/state/suppliers?limit=1000`)).json()) as Row[];
  const supplierWrites = async () =>
    ((await (await fetch(`${coupa.url}/_sandbox/requests?path=/api/suppliers&limit=100000`)).json()) as Array<{ method: string; url: string }>).filter((r) => r.method !== 'GET');

  start('infor-poller', { MLC_LEADER_RETRY_MS: '300' });
  start('coupa-writer', { MLC_RETRY_INITIAL_MS: '100', MLC_RETRY_MAX_MS: '1000' });

  const m3 = [...infor.state.suppliers.values()];
  const landed = await waitFor(
    async () => {
      const rows = await coupaSuppliers();
      return rows.length >= m3.length ? rows : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250, message: 'every M3 supplier in Coupa' },
  );
  assert.deepEqual(landed.map((s) => String(s.number)).sort(), m3.map((s) => s.SUNO).sort());
  const sample = landed.find((s) => s.number === 'SUP00003')!;
  assert.equal(sample.name, infor.state.suppliers.get('SUP00003')!.SUNM);
  assert.equal(sample.status, 'active');
  const writesAfterBackfill = (await supplierWrites()).length;
  assert.equal(writesAfterBackfill, m3.length, 'one create per supplier');

  const res = await fetch(`${infor.url}/_sandbox/state/suppliers/SUP00003`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ SUNM: 'Renamed in CRS620 AB', STAT: '90' }) });
  assert.equal(res.status, 200);
  const changed = await waitFor(
    async () => {
      const row = (await coupaSuppliers()).find((s) => s.number === 'SUP00003');
      return row?.name === 'Renamed in CRS620 AB' ? row : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, message: 'the M3 change in Coupa' },
  );
  assert.equal(changed.status, 'inactive');
  const writes = await supplierWrites();
  assert.equal(writes.length, writesAfterBackfill + 1, 'exactly one more supplier write');
  assert.match(writes.at(-1)!.url, /\/api\/suppliers\/\d+/);
});
