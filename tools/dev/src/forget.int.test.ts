import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_MIGRATIONS } from '@mlc/coupa-gateway';
import { createPool, deleteConnectionRows, migrate } from '@mlc/db';
import { MIGRATIONS_DIR as INFOR_POLLER_MIGRATIONS } from '@mlc/infor-poller';
import { MIGRATIONS_DIR as SYSPRO_POLLER_MIGRATIONS, listResyncRequests } from '@mlc/syspro-poller';
import { testInfra, uniqueIdentifier, uniqueName } from '@mlc/testing';
import { TARGET_RECORDS_MIGRATIONS } from '@mlc/writer';
import { forgetSandboxState } from './forget.js';

// Every table the services keep per connection, with a row for it (the other columns' values).
const ROWS: Array<{ table: string; columns: string; values: (c: string) => unknown[] }> = [
  { table: 'mlc_target_records', columns: 'connection, target_system, entity_type, natural_key, content_hash, source_time, event_id', values: (c) => [c, 'coupa', 'supplier', 'S1', 'h', new Date(), 'e1'] },
  { table: 'mlc_sync_state', columns: 'connection, entity_type, natural_key, systems', values: (c) => [c, 'supplier', 'S1', 'coupa|syspro'] },
  { table: 'mlc_parked_records', columns: 'writer_group, topic, kafka_partition, kafka_offset, connection, reason', values: (c) => [`g-${c}`, 't', 0, 1, c, 'down'] },
  { table: 'mlc_writer_circuits', columns: 'writer_group, connection, target_system, state, failures, since', values: (c) => ['g', c, 'coupa', 'open', 3, new Date()] },
  { table: 'mlc_rate_limits', columns: 'connection, target_system, tokens, refilled_at', values: (c) => [c, 'coupa', 1, new Date()] },
  { table: 'coupa_gateway_deliveries', columns: 'connection, coupa_event_id, event_type, outcome, entity_key, event_id, content_hash', values: (c) => [c, '1', 'supplier.updated', 'published', 'S1', 'e1', 'h'] },
  { table: 'coupa_gateway_order_lines', columns: 'connection, order_line_id, po_number, line_num', values: (c) => [c, 1, 'PO1', 1] },
  { table: 'infor_poller_hashes', columns: 'connection, key, content_hash', values: (c) => [c, 'SUP1', 'h'] },
  { table: 'infor_poller_polls', columns: 'connection, entity, last_success_at', values: (c) => [c, 'supplier', new Date()] },
  { table: 'syspro_poller_hashes', columns: 'connection, entity, key, content_hash', values: (c) => [c, 'supplier', 'S1', 'h'] },
  { table: 'syspro_poller_epoch_hashes', columns: 'connection, entity, epoch, key, content_hash', values: (c) => [c, 'supplier', 'ep', 'S1', 'h'] },
  { table: 'syspro_poller_polls', columns: 'connection, entity, last_success_at', values: (c) => [c, 'supplier', new Date()] },
];

test('a fresh sandbox: every row the services keep of its connection is forgotten, other connections keep theirs, SYSPRO re-reads from the start', async (t) => {
  const { databaseUrl } = testInfra();
  const pool = createPool(databaseUrl, { max: 2 });
  for (const [component, dir] of [
    ['writer', TARGET_RECORDS_MIGRATIONS],
    ['coupa-gateway', GATEWAY_MIGRATIONS],
    ['infor-poller', INFOR_POLLER_MIGRATIONS],
    ['syspro-poller', SYSPRO_POLLER_MIGRATIONS],
  ] as const) {
    await migrate(pool, { component, dir });
  }
  const sandbox = uniqueName('sandbox');
  const other = uniqueName('other');
  t.after(async () => {
    for (const { table } of ROWS) await pool.query(`delete from ${table} where connection = any($1)`, [[sandbox, other]]);
    await pool.query('delete from syspro_poller_resync_requests where connection = any($1)', [[sandbox, other]]);
    await pool.end();
  });
  for (const connection of [sandbox, other]) {
    for (const { table, columns, values } of ROWS) {
      const row = values(connection);
      await pool.query(`insert into ${table} (${columns}) values (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row);
    }
  }
  const count = async (table: string, connection: string) => Number((await pool.query<{ n: string }>(`select count(*) as n from ${table} where connection = $1`, [connection])).rows[0]!.n);

  const forgotten = await forgetSandboxState(databaseUrl, sandbox);

  for (const { table } of ROWS) {
    assert.equal(forgotten.deleted[table], 1, `${table}: the sandbox's row is reported deleted`);
    assert.equal(await count(table, sandbox), 0, `${table}: the sandbox's rows are gone`);
    assert.equal(await count(table, other), 1, `${table}: another connection's rows stay`);
  }
  const [resync, ...more] = await listResyncRequests(pool, { connection: sandbox });
  assert.equal(more.length, 0);
  assert.equal(resync?.id, forgotten.resync);
  assert.equal(resync?.entity, null, 'every entity');
  assert.equal(resync?.since, null, 'from the start');
  assert.deepEqual(await listResyncRequests(pool, { connection: other }), []);
});

test('deleteConnectionRows skips a table that does not exist yet and refuses what is not a table name', async () => {
  const pool = createPool(testInfra().databaseUrl, { max: 1 });
  try {
    assert.deepEqual(await deleteConnectionRows(pool, uniqueName('c'), [uniqueIdentifier('mlc_no_such_table')]), {});
    await assert.rejects(deleteConnectionRows(pool, 'c', ['x; drop table y']), /not a table name/);
  } finally {
    await pool.end();
  }
});
