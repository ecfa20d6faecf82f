import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { buildEvent } from '@mlc/events';
import { testInfra, uniqueIdentifier, uniqueName, waitFor } from '@mlc/testing';
import { harness } from './test-support.js';

// The writer's own PostgreSQL down for several times the old retry budget (≈ 2 s here): waited
// out, nothing dead-lettered, everything written once it is back. The outage is made on the shared
// server without restarting it: the writer runs as its own role on its own database, whose
// connection limit goes to 0 while its sessions are terminated (new connections get 53300 "too
// many connections", the live ones 57P01), then back.
test('a PostgreSQL outage of the writer is waited out: nothing dead-lettered, every record written after', { timeout: 240_000 }, async (t) => {
  const admin = new pg.Pool({ connectionString: testInfra().databaseUrl, max: 2 });
  const name = uniqueIdentifier('mlc_dbout');
  await admin.query(`create role ${name} login`);
  await admin.query(`create database ${name} owner ${name}`);
  t.after(async () => {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.query(`drop role if exists ${name}`).catch(() => undefined);
    await admin.end();
  });
  const url = new URL(testInfra().databaseUrl);
  url.username = name;
  url.password = '';
  url.pathname = `/${name}`;

  const h = await harness(t, {
    partitions: 1,
    env: { DATABASE_URL: url.toString(), MLC_RETRY_INITIAL_MS: '100', MLC_RETRY_MAX_MS: '500', MLC_RETRY_MAX_ATTEMPTS: '5', MLC_CIRCUIT_FAILURE_THRESHOLD: '2' },
  });
  const supplier = (i: number) =>
    buildEvent({ source: 'syspro', connection: h.connection, entity: 'supplier', key: `P${i}`, data: { number: `P${i}`, name: `Supplier ${i}`, status: 'active' }, occurredAt: '2026-11-20T10:00:00Z', observedAt: '2026-11-20T10:00:00Z', correlationId: uniqueName('corr') });
  const landed = async () => (await h.state('suppliers')).length;

  h.startWriter();
  await h.publish([0, 1, 2].map(supplier));
  await waitFor(async () => (await landed()) === 3 || undefined, { timeoutMs: 90_000, message: 'the first suppliers written' });

  await admin.query(`alter database ${name} connection limit 0`);
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
  await h.publish(Array.from({ length: 9 }, (_, i) => supplier(3 + i)));
  // Several times the old retry budget. The writer needs its database for every record (what it
  // last wrote), so nothing is written meanwhile; nothing may be dead-lettered either.
  await sleep(10_000);
  const { rows } = await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name]);
  assert.equal(Number(rows[0]?.n), 0, 'the database really was out of reach');
  assert.deepEqual(await h.dlq(), [], 'nothing dead-lettered during the outage');

  await admin.query(`alter database ${name} connection limit -1`);
  const suppliers = await waitFor(async () => {
    const all = await h.state<{ number: string }>('suppliers');
    return all.length >= 12 ? all : undefined;
  }, { timeoutMs: 90_000, message: 'every supplier written once the database is back' });
  assert.equal(new Set(suppliers.map((s) => s.number)).size, 12, 'each created once');
  assert.equal(suppliers.length, 12);
  assert.deepEqual(await h.dlq(), [], 'nothing dead-lettered');
});
