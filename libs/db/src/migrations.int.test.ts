import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { testInfra, uniqueIdentifier, waitFor } from '@mlc/testing';
import { createPollLog, createPool, migrate, migrationStatus } from './index.js';

const { databaseUrl } = testInfra();

/** A component name, a schema its SQL writes into, and a migrations folder, all removed after. */
async function fixture(t: TestContext, files: Record<string, string>) {
  const component = uniqueIdentifier('migrate_test');
  const schema = component;
  const dir = await mkdtemp(join(tmpdir(), 'mlc-migrations-'));
  const pool = createPool(databaseUrl, { max: 4 });
  const write = async (name: string, sql: string) => writeFile(join(dir, name), sql.replaceAll('$schema', schema));
  for (const [name, sql] of Object.entries(files)) await write(name, sql);
  t.after(async () => {
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.query('delete from mlc_migrations where component = $1', [component]);
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  });
  return { component, schema, dir, pool, write };
}

const CREATE = {
  '0001_schema.sql': 'create schema $schema;',
  '0002_events.sql': 'create table $schema.events (id text primary key);',
  '0003_seed.sql': "insert into $schema.events (id) values ('a'), ('b');",
};

test('applies files in name order, once, and records them', async (t) => {
  const f = await fixture(t, CREATE);
  const first = await migrate(f.pool, { component: f.component, dir: pathToFileURL(`${f.dir}/`) });
  assert.deepEqual(first.applied, ['0001_schema.sql', '0002_events.sql', '0003_seed.sql']);

  const again = await migrate(f.pool, { component: f.component, dir: f.dir });
  assert.deepEqual(again.applied, []);
  const { rows } = await f.pool.query(`select count(*)::int as n from ${f.schema}.events`);
  assert.equal(rows[0].n, 2);

  await f.write('0004_more.sql', "insert into $schema.events (id) values ('c');");
  assert.deepEqual((await migrate(f.pool, { component: f.component, dir: f.dir })).applied, ['0004_more.sql']);
  const recorded = await f.pool.query('select name from mlc_migrations where component = $1 order by name', [f.component]);
  assert.deepEqual(
    recorded.rows.map((r) => r.name),
    ['0001_schema.sql', '0002_events.sql', '0003_seed.sql', '0004_more.sql'],
  );
});

test('a changed applied file is refused before anything runs', async (t) => {
  const f = await fixture(t, CREATE);
  await migrate(f.pool, { component: f.component, dir: f.dir });
  await f.write('0002_events.sql', 'create table $schema.events (id text primary key, extra int);');
  await f.write('0004_more.sql', "insert into $schema.events (id) values ('c');");

  await assert.rejects(migrate(f.pool, { component: f.component, dir: f.dir }), (error: unknown) => {
    const { code, context } = error as { code?: string; context?: Record<string, unknown> };
    assert.equal(code, 'MLC_MIGRATION_FAILED');
    assert.equal(context?.migration, '0002_events.sql');
    assert.equal(context?.reason, 'checksum-mismatch');
    return true;
  });
  const { rows } = await f.pool.query(`select count(*)::int as n from ${f.schema}.events`);
  assert.equal(rows[0].n, 2, '0004 must not have run');
});

test('a failing file is rolled back and not recorded', async (t) => {
  const f = await fixture(t, {
    ...CREATE,
    '0004_broken.sql': "insert into $schema.events (id) values ('c'); insert into $schema.events (id) values ('a');",
  });
  await assert.rejects(migrate(f.pool, { component: f.component, dir: f.dir }), (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'MLC_MIGRATION_FAILED');
    assert.deepEqual((error as { context?: unknown }).context, {
      component: f.component,
      migration: '0004_broken.sql',
      reason: 'sql-error',
      sqlState: '23505',
    });
    return true;
  });
  const events = await f.pool.query(`select id from ${f.schema}.events order by id`);
  assert.deepEqual(events.rows.map((r) => r.id), ['a', 'b'], "0004's first insert rolled back");
  const recorded = await f.pool.query('select name from mlc_migrations where component = $1 order by name', [f.component]);
  assert.equal(recorded.rowCount, 3);
});

test('concurrent replicas apply each file exactly once', async (t) => {
  // Without the lock, two runners would both try `create schema` and one would fail.
  const f = await fixture(t, CREATE);
  const replicas = [createPool(databaseUrl, { max: 1 }), createPool(databaseUrl, { max: 1 }), createPool(databaseUrl, { max: 1 })];
  t.after(() => Promise.all(replicas.map((p) => p.end())));

  const results = await Promise.all(replicas.map((pool) => migrate(pool, { component: f.component, dir: f.dir })));
  const all = results.flatMap((r) => r.applied).sort();
  assert.deepEqual(all, ['0001_schema.sql', '0002_events.sql', '0003_seed.sql']);
  const { rows } = await f.pool.query(`select count(*)::int as n from ${f.schema}.events`);
  assert.equal(rows[0].n, 2);
});

test('migrationStatus compares the files with what was applied, changing nothing', async (t) => {
  const f = await fixture(t, CREATE);
  const before = await migrationStatus(f.pool, { component: f.component, dir: f.dir });
  assert.deepEqual(before, { component: f.component, applied: [], pending: ['0001_schema.sql', '0002_events.sql', '0003_seed.sql'], changed: [] });
  await migrate(f.pool, { component: f.component, dir: f.dir });
  await f.write('0004_more.sql', 'create table $schema.more (id text);');
  await f.write('0003_seed.sql', "insert into $schema.events (id) values ('c');");
  const after = await migrationStatus(f.pool, { component: f.component, dir: f.dir });
  assert.deepEqual(after, { component: f.component, applied: ['0001_schema.sql', '0002_events.sql', '0003_seed.sql'], pending: ['0004_more.sql'], changed: ['0003_seed.sql'] });
  const { rows } = await f.pool.query('select 1 from pg_tables where schemaname = $1 and tablename = $2', [f.schema, 'more']);
  assert.equal(rows.length, 0);
});

test('the poll log keeps the latest successful poll per entity and never moves back', async (t) => {
  const schema = uniqueIdentifier('poll_log');
  const pool = createPool(databaseUrl, { max: 2 });
  t.after(async () => {
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.end();
  });
  await pool.query(`create schema ${schema}; create table ${schema}.syspro_poller_polls (connection text, entity text, last_success_at timestamptz not null, primary key (connection, entity))`);
  const scoped = createPool(`${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`, { max: 1 });
  t.after(() => scoped.end());
  const warnings: unknown[] = [];
  const record = createPollLog({ db: scoped, table: 'syspro_poller_polls', connection: 'acme', logger: { warn: (...args: unknown[]) => void warnings.push(args) } });
  record('supplier', new Date('2026-11-29T10:00:00Z'));
  record('supplier', new Date('2026-11-29T10:05:00Z'));
  record('supplier', new Date('2026-11-29T10:01:00Z'));
  record('invoice', new Date('2026-11-29T09:00:00Z'));
  const read = async () => (await pool.query<{ entity: string; at: string }>(`select entity, to_char(last_success_at at time zone 'UTC', 'HH24:MI') as at from ${schema}.syspro_poller_polls order by entity`)).rows;
  await waitFor(async () => (await read()).length === 2, { message: 'both entities recorded' });
  // The three supplier upserts may land in any order: the latest time wins regardless.
  await waitFor(async () => (await read()).find((r) => r.entity === 'supplier')?.at === '10:05', { message: 'the latest supplier poll' });
  assert.deepEqual(await read(), [{ entity: 'invoice', at: '09:00' }, { entity: 'supplier', at: '10:05' }]);
  assert.deepEqual(warnings, []);
});
