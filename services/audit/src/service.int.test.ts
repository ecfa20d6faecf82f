import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { buildEvent, createRegistryCodec, OUTCOMES_TOPIC, type CanonicalEvent } from '@mlc/events';
import { DLQ_HEADERS, EVENT_HEADERS, createEventProducer, ensureTopics, standardTopics } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { spawnService, testInfra, uniqueName, waitFor } from '@mlc/testing';
import { auditSchema } from './test-support.js';

// The audit service as production runs it (its main.ts as a child process) against real Kafka,
// the registry and Postgres; topics, group and database schema are the test's own.
const infra = testInfra();
const logger = createLogger({ name: 'audit-service-test', level: 'silent' });

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

function supplier(connection: string, i: number, source: 'syspro' | 'coupa' = 'syspro'): CanonicalEvent {
  return buildEvent({
    source,
    connection,
    entity: 'supplier',
    key: `S-${i}`,
    data: { number: `S-${i}`, name: `Supplier ${i}`, status: 'active', currency: 'ZAR' },
    occurredAt: '2026-11-02T10:00:00Z',
    observedAt: '2026-11-02T10:00:01Z',
    correlationId: `corr-${i}`,
    actor: 'jdoe',
  });
}

async function harness(t: TestContext) {
  const prefix = `${uniqueName('au')}.`;
  const connection = uniqueName('acme');
  const kafka = new Kafka({ clientId: uniqueName('audit-test'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = standardTopics({ partitions: 3, writerGroups: ['coupa-writer'] }).map((d) => ({ ...d, topic: `${prefix}${d.topic}` }));
  await ensureTopics(admin, topics);
  const created = topics.map((d) => d.topic);
  const { schema, pool } = await auditSchema(t);
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: (topic) => topic.slice(prefix.length) });
  const producer = createEventProducer({ kafka, codec, logger });
  const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await raw.connect();
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await producer.disconnect();
    await raw.disconnect();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });
  return {
    prefix,
    connection,
    schema,
    pool,
    admin,
    created,
    async publishSuppliers(from: number, count: number, source: 'syspro' | 'coupa' = 'syspro') {
      const events = Array.from({ length: count }, (_, i) => supplier(connection, from + i, source));
      for (let i = 0; i < events.length; i += 500) await producer.publish(`${prefix}${source}.suppliers.v1`, events.slice(i, i + 500));
      return events;
    },
    async send(topic: string, messages: { key?: string; value: Buffer; headers?: Record<string, string> }[]) {
      await raw.send({ topic: `${prefix}${topic}`, messages, acks: -1 });
    },
    encode: (topic: string, value: unknown) => codec.encode(`${prefix}${topic}`, value),
    start(env: NodeJS.ProcessEnv = {}) {
      const child = spawnService('audit', {
        env: {
          MLC_TOPIC_PREFIX: prefix,
          MLC_AUDIT_DB_SCHEMA: schema,
          MLC_AUDIT_TOPIC_SCAN_MS: '1000',
          MLC_RETRY_INITIAL_MS: '100',
          MLC_RETRY_MAX_MS: '1000',
          MLC_KAFKA_SESSION_TIMEOUT_MS: '6000',
          MLC_KAFKA_HEARTBEAT_MS: '1000',
          ...env,
        },
      });
      children.push(child);
      return child;
    },
    /** Rows per table, and whether any (topic, partition, offset) appears twice. */
    async counts() {
      const { rows } = await pool.query<{ events: number; outcomes: number; dlq: number; undecodable: number; distinct_events: number }>(`
        select (select count(*) from audit_events)::int as events,
               (select count(distinct (topic, kafka_partition, kafka_offset)) from audit_events)::int as distinct_events,
               (select count(*) from audit_outcomes)::int as outcomes,
               (select count(*) from audit_dlq)::int as dlq,
               (select count(*) from audit_undecodable)::int as undecodable`);
      return rows[0]!;
    },
  };
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

test('every record of every audited topic lands once, topics created later included, and the trail serves them', async (t) => {
  const h = await harness(t);
  const events = await h.publishSuppliers(0, 30);
  await h.publishSuppliers(100, 10, 'coupa');
  const first = events[0]!;
  const outcome = {
    eventId: first.id,
    eventType: first.type,
    connection: h.connection,
    entity: first.entity,
    writer: 'coupa-writer',
    status: 'created',
    target: { system: 'coupa', id: '501' },
    attempts: 1,
    correlationId: first.correlationId,
    source: { topic: `${h.prefix}syspro.suppliers.v1`, partition: 0, offset: '0' },
    at: new Date().toISOString(),
  };
  await h.send(OUTCOMES_TOPIC, [{ value: await h.encode(OUTCOMES_TOPIC, outcome) }]);
  await h.send('syspro.suppliers.v1', [{ key: 'junk', value: Buffer.from('not the wire format') }]);
  const port = await freePort();
  const child = h.start({ PORT: String(port) });

  await waitFor(async () => {
    const c = await h.counts();
    return c.events === 40 && c.outcomes === 1 && c.undecodable === 1;
  }, { message: 'events, outcome and undecodable record in Postgres', timeoutMs: 60_000 });

  // A DLQ topic created after the service started is found by the topic scan.
  const dlqTopic = `${h.prefix}infor-writer.dlq.v1`;
  await ensureTopics(h.admin, [{ topic: dlqTopic, partitions: 1 }]);
  h.created.push(dlqTopic);
  await h.send('infor-writer.dlq.v1', [
    {
      key: `${h.connection}:supplier:S-0`,
      value: Buffer.from('original bytes'),
      headers: { [EVENT_HEADERS.correlationId]: first.correlationId, [DLQ_HEADERS.code]: 'MLC_MAPPING_FAILED', [DLQ_HEADERS.message]: 'no', [DLQ_HEADERS.topic]: `${h.prefix}coupa.suppliers.v1`, [DLQ_HEADERS.offset]: '0', [DLQ_HEADERS.partition]: '0', [DLQ_HEADERS.attempts]: '1' },
    },
  ]);
  await waitFor(async () => (await h.counts()).dlq === 1, { message: 'the DLQ record of the new topic', timeoutMs: 60_000 });
  const counts = await h.counts();
  assert.deepEqual(counts, { events: 40, distinct_events: 40, outcomes: 1, dlq: 1, undecodable: 1 });

  const res = await fetch(`http://127.0.0.1:${port}/trail?connection=${h.connection}&entity=supplier&key=S-0`);
  assert.equal(res.status, 200);
  const trail = (await res.json()) as { items: Array<Record<string, unknown>>; nextCursor: string | null };
  assert.deepEqual(trail.items.map((i) => i.kind), ['event', 'outcome', 'dlq']);
  assert.equal(trail.items[0]!.actor, 'jdoe');
  assert.equal(trail.items[1]!.direction, 'syspro → coupa');
  const bad = await fetch(`http://127.0.0.1:${port}/trail?connection=${h.connection}&entity=widget`);
  assert.equal(bad.status, 400);
  const body = (await bad.json()) as { error: string; issues: Array<{ field: string }> };
  assert.deepEqual(body.issues.map((i) => i.field).sort(), ['entity', 'key']);

  child.kill('SIGTERM');
  await stopped(child);
  assert.equal(child.exitCode, 0);
});

test('kill -9 mid-load, then a restart: every record exactly once', async (t) => {
  const h = await harness(t);
  const total = 6000;
  const publishing = h.publishSuppliers(0, total);
  const first = h.start();
  await waitFor(async () => (await h.counts()).events >= 500, { message: 'some events stored', timeoutMs: 60_000 });
  first.kill('SIGKILL');
  await stopped(first);
  await publishing;
  const before = (await h.counts()).events;
  h.start();
  await waitFor(async () => (await h.counts()).events === total, { message: `all ${total} events stored`, timeoutMs: 120_000 });
  const counts = await h.counts();
  assert.equal(counts.distinct_events, total);
  assert.ok(before < total, 'the kill came before the end');
});

/** A TCP proxy to Postgres that the test can cut (close every connection, refuse new ones) and restore. */
async function startProxy(t: TestContext, target: { host: string; port: number }) {
  let up = true;
  let refused = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!up) {
      refused += 1;
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    refused: () => refused,
  };
}

test('Postgres unreachable: batches wait and are retried; after it returns nothing is lost or doubled', async (t) => {
  const h = await harness(t);
  const db = new URL(infra.databaseUrl);
  const proxy = await startProxy(t, { host: db.hostname, port: Number(db.port || 5432) });
  const viaProxy = new URL(infra.databaseUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const child = h.start({ DATABASE_URL: viaProxy.toString() });

  await h.publishSuppliers(0, 200);
  await waitFor(async () => (await h.counts()).events === 200, { message: 'first 200 events', timeoutMs: 60_000 });
  proxy.cut();
  await h.publishSuppliers(200, 300);
  // The service keeps trying to reach Postgres while it is away.
  await waitFor(() => proxy.refused() >= 3, { message: 'reconnection attempts while Postgres is unreachable', timeoutMs: 60_000 });
  assert.equal((await h.counts()).events, 200);
  proxy.restore();
  await waitFor(async () => (await h.counts()).events === 500, { message: 'all 500 events after Postgres is back', timeoutMs: 60_000 });
  assert.equal((await h.counts()).distinct_events, 500);
  assert.equal(child.exitCode, null, 'the service stayed up');
});
