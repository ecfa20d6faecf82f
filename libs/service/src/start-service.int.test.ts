import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { createPool } from '@mlc/db';
import { testInfra, uniqueIdentifier, uniqueName } from '@mlc/testing';
import { ServiceEnv, startService, type ServiceContext } from './start-service.js';

const { Kafka, logLevel } = kafkajs;
const infra = testInfra();
const ENV = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl, DATABASE_URL: infra.databaseUrl, PORT: '0', HOST: '127.0.0.1' };

test('startService migrates, applies the topics in the namespace, starts, answers ready, and on SIGTERM stops and ends the pool', async (t) => {
  const component = uniqueIdentifier('shell_test');
  const prefix = `${uniqueName('shell')}.`;
  const dir = await mkdtemp(join(tmpdir(), 'mlc-shell-'));
  await writeFile(join(dir, '0001_schema.sql'), `create schema ${component};`);
  const db = createPool(infra.databaseUrl, { max: 1 });
  const admin = new Kafka({ clientId: 'shell-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(async () => {
    await db.query(`drop schema if exists ${component} cascade`);
    await db.query('delete from mlc_migrations where component = $1', [component]);
    await db.end();
    await admin.deleteTopics({ topics: [`${prefix}shell.test.v1`] }).catch(() => undefined);
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  const signals = new EventEmitter();
  const calls: string[] = [];
  let seen: { ctx?: ServiceContext; schemaAtStart?: boolean; topicsAtStart?: string[]; planCacheMode?: string } = {};
  let started = false;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const running = await startService(
    {
      name: 'shell-test',
      env: ServiceEnv,
      pool: { genericPlans: true },
      create: (ctx) => {
        seen = { ctx };
        return {
          migrations: [{ component, dir }],
          topics: [{ topic: 'shell.test.v1', partitions: 2 }],
          readiness: async () => ({ ok: started }),
          start: async () => {
            const { rows } = await ctx.pool.query('select 1 from information_schema.schemata where schema_name = $1', [component]);
            seen.schemaAtStart = rows.length === 1;
            seen.planCacheMode = (await ctx.pool.query<{ mode: string }>(`select current_setting('plan_cache_mode') as mode`)).rows[0]?.mode;
            seen.topicsAtStart = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
            calls.push('start');
            started = true;
          },
          stop: async () => {
            calls.push('stop');
          },
        };
      },
    },
    {
      processEnv: { ...ENV, MLC_TOPIC_PREFIX: prefix, LOG_LEVEL: 'silent' },
      signalSource: signals,
      exit: resolveExit,
    },
  );

  assert.equal(seen.schemaAtStart, true, 'migrations ran before start');
  assert.equal(seen.planCacheMode, 'force_generic_plan', "the definition's pool settings reach the pool");
  assert.deepEqual(seen.topicsAtStart, [`${prefix}shell.test.v1`], 'topics were applied in the namespace before start');
  assert.equal(seen.ctx?.namespace.topic('x'), `${prefix}x`);
  const readyz = await fetch(`http://127.0.0.1:${running.port}/readyz`);
  assert.equal(readyz.status, 200);

  signals.emit('SIGTERM', 'SIGTERM');
  assert.equal(await exited, 0);
  assert.deepEqual(calls, ['start', 'stop']);
  assert.equal(seen.ctx?.pool.ended, true, 'the shell ends the pool after the service stopped');
});

for (const when of ['running', 'starting'] as const) {
  test(`ctx.fail while ${when}: the service stops and exits 1, to be started again`, async () => {
    const calls: string[] = [];
    let ctx: ServiceContext | undefined;
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    const logs: string[] = [];
    const running = await startService(
      {
        name: 'shell-fail-test',
        env: ServiceEnv,
        create: (c) => {
          ctx = c;
          return {
            start: async () => {
              calls.push('start');
              if (when === 'starting') c.fail(new Error('consumer stopped for good'));
            },
            stop: async () => {
              calls.push('stop');
            },
          };
        },
      },
      {
        processEnv: { ...ENV, LOG_LEVEL: 'error' },
        signalSource: new EventEmitter(),
        exit: resolveExit,
        logDestination: { write: (line: string) => void logs.push(line) },
      },
    );
    if (when === 'running') {
      assert.equal((await fetch(`http://127.0.0.1:${running.port}/readyz`)).status, 200);
      ctx!.fail(new Error('consumer stopped for good'));
      ctx!.fail(new Error('a second report changes nothing'));
    }
    assert.equal(await exited, 1);
    assert.deepEqual(calls, ['start', 'stop']);
    assert.equal(ctx?.pool.ended, true);
    const failures = logs.filter((l) => l.includes('cannot go on'));
    assert.equal(failures.length, 1, 'the failure is logged once');
    assert.match(failures[0]!, /consumer stopped for good/);
  });
}
