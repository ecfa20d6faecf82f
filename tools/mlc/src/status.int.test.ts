import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { auditDatabaseUrl } from '@mlc/audit';
import { createPool, migrate } from '@mlc/db';
import { CURSOR_TOPIC, MIGRATIONS_DIR as POLLER_MIGRATIONS } from '@mlc/syspro-poller';
import { createTestTopics, testInfra, uniqueIdentifier, waitFor } from '@mlc/testing';
import { TARGET_RECORDS_MIGRATIONS } from '@mlc/writer';
import type { StatusReport } from './status.js';
import { mlcHarness } from './test-support.js';

// `mlc status` on the real stack: a writer group with committed offsets behind the end of its
// topic, an open circuit as a writer records it, the audit log's outcomes and open DLQ entries,
// a poller's committed cursor; then the report as the CLI prints it, once and with --watch.

const ROOT = resolve(import.meta.dirname, '../../..');

test('status: lag per writer, last committed poll per stream, circuit, DLQ depth and the last hour outcomes of a connection', async (t) => {
  const h = await mlcHarness(t);
  const infra = testInfra();
  const servicesSchema = uniqueIdentifier('mlc_services');
  const services = createPool(auditDatabaseUrl(infra.databaseUrl, servicesSchema), { max: 2 });
  const cursorTopic = h.topic(CURSOR_TOPIC);
  t.after(async () => {
    await services.query(`drop schema if exists ${servicesSchema} cascade`).catch(() => undefined);
    await services.end();
  });
  await services.query(`create schema ${servicesSchema}`);
  await migrate(services, { component: 'writer', dir: TARGET_RECORDS_MIGRATIONS });
  await migrate(services, { component: 'syspro-poller', dir: POLLER_MIGRATIONS });
  const group = `${h.prefix}coupa-writer`;
  const other = `${h.connection}-other`;

  // coupa-writer committed 1 of the 5 records on partition 0 of the suppliers topic, none on 1.
  const suppliersTopic = h.topic('syspro.suppliers.v1');
  await h.raw.send({ topic: suppliersTopic, acks: -1, messages: [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: 'x', partition: 0 })) });
  await h.raw.send({ topic: suppliersTopic, acks: -1, messages: [{ key: 'k9', value: 'x', partition: 1 }] });
  await h.admin.setOffsets({ groupId: group, topic: suppliersTopic, partitions: [{ partition: 0, offset: '1' }] });

  await services.query(
    `insert into mlc_writer_circuits (writer_group, connection, target_system, state, failures, last_code, next_probe_at, since)
     values ($1, $2, 'coupa', 'open', 5, 'MLC_HTTP_SERVER_ERROR', now() + interval '30 seconds', now() - interval '2 minutes'),
            ($1, $3, 'coupa', 'closed', 0, null, null, now() - interval '1 day')`,
    [group, h.connection, other],
  );
  await services.query(
    `insert into mlc_parked_records (writer_group, topic, kafka_partition, kafka_offset, connection, reason) values ($1, $2, 0, 3, $3, 'circuit open'), ($1, $2, 0, 4, $3, 'circuit open')`,
    [group, suppliersTopic, h.connection],
  );
  const outcome = (offset: number, status: string, minutesAgo: number, connection = h.connection) =>
    h.pool.query(
      `insert into audit_outcomes (topic, kafka_partition, kafka_offset, kafka_ts, connection, writer, status, headers, payload)
       values ($1, 0, $2, now() - make_interval(mins => $3), $4, $5, $6, '{}', '{}')`,
      [h.topic('mlc.outcomes.v1'), offset, minutesAgo, connection, group, status],
    );
  await outcome(1, 'created', 5);
  await outcome(2, 'created', 10);
  await outcome(3, 'failed', 20);
  await outcome(4, 'updated', 90); // older than an hour: not counted
  await outcome(5, 'updated', 1, other);
  await h.pool.query(
    `insert into audit_dlq (topic, kafka_partition, kafka_offset, kafka_ts, component, dlq_group, connection, original_headers)
     values ($1, 0, 0, now() - interval '3 hours', 'coupa-writer', $2, $3, '{}'), ($1, 0, 1, now(), 'coupa-writer', $2, $3, '{}')`,
    [h.topic('coupa-writer.dlq.v1'), group, h.connection],
  );
  await h.pool.query(`update audit_dlq set status = 'redriven' where kafka_offset = 1`);

  h.own([cursorTopic]);
  await createTestTopics(h.admin, [{ topic: cursorTopic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
  const committedAt = new Date(Date.now() - 125_000).toISOString();
  const cursor = (stream: string, connection = h.connection) => ({
    key: `${connection}:${stream}`,
    value: JSON.stringify({ connection, stream, cursor: { column: 'TimeStamp', kind: 'number', value: '42', keys: [] }, epoch: 'e1', committedAt }),
  });
  await h.raw.send({ topic: cursorTopic, acks: -1, messages: [cursor('supplier'), cursor('purchase-order'), cursor('supplier', other)] });

  // The supplier poll succeeded 20 s ago (nothing changed since the commit); the cost centres never committed a page.
  const polledAt = new Date(Date.now() - 20_000).toISOString();
  await services.query(`insert into syspro_poller_polls (connection, entity, last_success_at) values ($1, 'supplier', $2), ($1, 'cost-centre', $2)`, [h.connection, polledAt]);

  const env = { DATABASE_URL: auditDatabaseUrl(infra.databaseUrl, servicesSchema) };
  const json = await h.cli(['status', '--connection', h.connection, '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as StatusReport;
  const writer = report.writers.find((w) => w.writer === 'coupa-writer');
  assert.ok(writer, json.stdout);
  assert.equal(writer.lag, 4 + 1);
  assert.deepEqual(writer.topics, [{ topic: 'syspro.suppliers.v1', lag: 5 }]);
  assert.equal(writer.state, 'Empty');

  assert.equal(report.connections.length, 1, json.stdout);
  const row = report.connections[0]!;
  assert.deepEqual(
    { connection: row.connection, writer: row.writer, dlqOpen: row.dlqOpen, parked: row.parked, outcomes: row.outcomes },
    { connection: h.connection, writer: 'coupa-writer', dlqOpen: 1, parked: 2, outcomes: { created: 2, failed: 1 } },
  );
  assert.deepEqual(
    row.circuits.map((c) => [c.target, c.state, c.failures, c.lastCode]),
    [['coupa', 'open', 5, 'MLC_HTTP_SERVER_ERROR']],
  );
  assert.deepEqual(
    report.polls.map((p) => [p.connection, p.poller, p.stream, p.lastSuccessAt, p.committedAt]),
    [
      [h.connection, 'syspro-poller', 'cost-centre', polledAt, null],
      [h.connection, 'syspro-poller', 'purchase-order', null, committedAt],
      [h.connection, 'syspro-poller', 'supplier', polledAt, committedAt],
    ],
  );
  const supplierPoll = report.polls.find((p) => p.stream === 'supplier')!;
  assert.ok(supplierPoll.ageSeconds! >= 125 && supplierPoll.successAgeSeconds! >= 20 && supplierPoll.successAgeSeconds! < 125);

  // For people: the same, as tables.
  const text = await h.cli(['status'], env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /coupa-writer\s+Empty\s+0\s+5\s+syspro\.suppliers\.v1 5/);
  assert.match(text.stdout, new RegExp(`${h.connection}\\s+coupa-writer\\s+coupa:open \\(5 failures, MLC_HTTP_SERVER_ERROR\\)\\s+1\\s+2\\s+created 2, failed 1`));
  assert.match(text.stdout, new RegExp(`${other}\\s+coupa-writer\\s+coupa:closed\\s+0\\s+0\\s+updated 1`));
  assert.match(text.stdout, new RegExp(`${h.connection}\\s+syspro-poller\\s+supplier\\s+${polledAt.replace(/\./g, '\\.')}\\s+\\d+s\\s+${committedAt.replace(/\./g, '\\.')}\\s+2m\\d\\ds`));
});

test('status --watch: draws the report again until SIGINT, then exits 0', async (t) => {
  const h = await mlcHarness(t);
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'tools/mlc/src/cli.ts', 'status', '--watch', '1'], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: testInfra().kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: testInfra().schemaRegistryUrl, DATABASE_URL: testInfra().databaseUrl, MLC_TOPIC_PREFIX: h.prefix, MLC_AUDIT_DB_SCHEMA: h.schema },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  await waitFor(() => (stdout.match(/^mlc status at /gm) ?? []).length >= 2, { message: 'two reports', timeoutMs: 60_000 });
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  assert.match(stdout, /every 1s; Ctrl-C stops/);
});
