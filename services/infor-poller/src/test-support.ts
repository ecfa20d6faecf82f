import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import kafkajs, { type Kafka } from 'kafkajs';
import type pg from 'pg';
import { createPool, migrate } from '@mlc/db';
import { createRegistryCodec, decodeEvent, type SupplierEvent } from '@mlc/events';
import { createTopicNamespace, type TopicNamespace } from '@mlc/kafka';
import { startInforSimulator } from '@mlc/sandbox';
import { createTestTopics, testInfra, uniqueName, waitCaughtUp } from '@mlc/testing';
import { MIGRATIONS_DIR } from './hash-store.js';
import { CURSOR_TOPIC, EVENT_TOPIC, REJECT_TOPIC } from './kafka-state.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;
export const infra = testInfra();

export interface Harness {
  kafka: Kafka;
  ns: TopicNamespace;
  connection: string;
  pool: pg.Pool;
  codec: ReturnType<typeof createRegistryCodec>;
  sim: Awaited<ReturnType<typeof startInforSimulator>>;
  /** A connections file for this connection and simulator; its `infor.poll` from `poll`. */
  connectionsFile(poll: Record<string, number>): string;
  /** Changes a supplier through the simulator's admin API, as a person in CRS620 would; `at`: the M3 server clock then (default now). */
  changeSupplier(suno: string, fields: Record<string, string>, at?: string): Promise<void>;
  /** Adds a fault rule to the simulator (`undefined`: removes them all). */
  fault(rule: Record<string, unknown> | undefined): Promise<void>;
}

/** Unique topics, connection and hash rows per test, an Infor simulator; all removed afterwards. */
export async function harness(t: TestContext, suppliers: number): Promise<Harness> {
  const kafka = new KafkaClient({ clientId: 'infor-poller-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const ns = createTopicNamespace(`${uniqueName('t')}.`);
  const connection = uniqueName('cloud');
  const admin = kafka.admin();
  await admin.connect();
  const topics = [ns.topic(EVENT_TOPIC), ns.topic(REJECT_TOPIC)];
  await createTestTopics(admin, [...topics, { topic: ns.topic(CURSOR_TOPIC), configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
  const pool = createPool(infra.databaseUrl, { max: 2 });
  await migrate(pool, { component: 'infor-poller', dir: MIGRATIONS_DIR });
  const sim = await startInforSimulator({ seed: 5, sizes: { suppliers, purchaseOrders: 0, poLines: 0 }, requestsPerMinute: false });
  const dir = mkdtempSync(join(tmpdir(), 'infor-poller-'));
  writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(sim.ionapi), { mode: 0o600 });
  t.after(async () => {
    await sim.close();
    await pool.query('delete from infor_poller_hashes where connection = $1', [connection]);
    await pool.query('delete from infor_poller_polls where connection = $1', [connection]);
    await pool.end();
    await admin.deleteTopics({ topics: [...topics, ns.topic(CURSOR_TOPIC)] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    kafka,
    ns,
    connection,
    pool,
    sim,
    codec: createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: ns.logical }),
    connectionsFile(poll) {
      const file = join(dir, 'connections.json');
      const infor = { ionapiFile: 'tenant.ionapi', company: '100', division: 'AAA', requestsPerMinute: 100_000, poll };
      writeFileSync(file, JSON.stringify({ connections: [{ id: connection, infor }] }));
      return file;
    },
    async changeSupplier(suno, fields, at) {
      const query = at === undefined ? '' : `?at=${encodeURIComponent(at)}`;
      const res = await fetch(`${sim.url}/_sandbox/state/suppliers/${suno}${query}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) });
      if (!res.ok) throw new Error(`admin change of ${suno} answered ${res.status}`);
    },
    async fault(rule) {
      const res = await fetch(`${sim.url}/_sandbox/faults`, rule === undefined ? { method: 'DELETE' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
      if (!res.ok) throw new Error(`fault rule answered ${res.status}`);
    },
  };
}

export interface EventReader {
  events: SupplierEvent[];
  /** Resolves once every event committed on the topic so far has been read. */
  caughtUp(): Promise<void>;
}

/** Reads the namespaced `infor.suppliers.v1` read_committed from the start, decoding every event. */
export async function readSupplierEvents(t: TestContext, h: Harness): Promise<EventReader> {
  const topic = h.ns.topic(EVENT_TOPIC);
  const consumer = h.kafka.consumer({ groupId: uniqueName('infor-poller-reader'), readUncommitted: false });
  const events: SupplierEvent[] = [];
  const reached = new Map<number, bigint>();
  const seen = (partition: number, offset: string) => {
    if ((reached.get(partition) ?? -1n) < BigInt(offset)) reached.set(partition, BigInt(offset));
  };
  // An empty fetch reports lastOffset = high watermark - 1 even while a transaction's records are
  // still above the last stable offset (not delivered yet): only a batch with records says where we are.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.firstOffset !== null) seen(payload.partition, payload.lastOffset);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      events.push((await decodeEvent(h.codec, topic, message.value)) as SupplierEvent);
      seen(partition, message.offset);
    },
  });
  const admin = h.kafka.admin();
  await admin.connect();
  t.after(async () => {
    await consumer.disconnect();
    await admin.disconnect();
  });
  return {
    events,
    caughtUp: () => waitCaughtUp(admin, [topic], (_topic, partition) => reached.get(partition)),
  };
}
