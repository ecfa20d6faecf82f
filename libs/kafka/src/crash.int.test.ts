import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';
import { dlqTopicFor } from './dead-letter.js';
import { createEventProducer } from './producer.js';
import { uniqueName, waitFor } from '@mlc/testing';
import { collect, committedOffset, supplierEvent, testCodec, testKafka, testLogger } from './test-support.js';
import { ensureTopics } from './topics.js';

const child = fileURLToPath(new URL('./test-fixtures/crash-child.ts', import.meta.url));

function startChild(args: Record<string, unknown>): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', child, JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit'] });
}

test('a writer killed after its effect but before the commit gets the event again, and the effect is not doubled', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const topic = uniqueName('crash-events');
  const outcomesTopic = uniqueName('crash-outcomes');
  const groupId = uniqueName('crash-writer');
  const table = uniqueName('kafka_crash').replaceAll('-', '_');
  const topics = [topic, outcomesTopic, dlqTopicFor(groupId)];
  await ensureTopics(admin, topics.map((name) => ({ topic: name, partitions: 1 })));
  await pool.query(`CREATE TABLE ${table} (event_id text PRIMARY KEY, deliveries int NOT NULL)`);
  const children: ChildProcess[] = [];
  const outcomes = await collect(kafka, outcomesTopic);
  t.after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await outcomes.stop();
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  const codec = testCodec([topic], outcomesTopic);
  const producer = createEventProducer({ kafka, codec, logger: testLogger() });
  await producer.connect();
  const event = supplierEvent('S-crash');
  await producer.publish(topic, [event]);
  await producer.disconnect();

  const rows = async () => (await pool.query<{ event_id: string; deliveries: number }>(`SELECT event_id, deliveries FROM ${table}`)).rows;
  const first = startChild({ topic, outcomesTopic, groupId, table, hangAfterEffect: true });
  children.push(first);
  await waitFor(async () => (await rows()).length === 1, { message: 'the first effect', timeoutMs: 60_000 });
  first.kill('SIGKILL');
  await once(first, 'exit');
  assert.equal(await committedOffset(admin, groupId, topic), -1, 'nothing committed before the kill');
  assert.equal(outcomes.messages.length, 0);

  const second = startChild({ topic, outcomesTopic, groupId, table, hangAfterEffect: false });
  children.push(second);
  await waitFor(async () => (await committedOffset(admin, groupId, topic)) === 1, { message: 'the commit after restart', timeoutMs: 90_000 });
  assert.deepEqual(await rows(), [{ event_id: event.id, deliveries: 2 }], 'delivered twice, one effect row');
  await waitFor(() => outcomes.messages.length === 1, { message: 'the outcome', timeoutMs: 60_000 });
  second.kill('SIGTERM');
  const [code] = (await once(second, 'exit')) as [number | null];
  assert.equal(code, 0, 'graceful exit on SIGTERM');
});
