import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Kafka as KafkaClient } from 'kafkajs';
import type pg from 'pg';
import { pino } from 'pino';
import type { SysproConnection } from '@mlc/config';
import { createLeader, createPool, lockSessionOn, migrate, type LeaderState } from '@mlc/db';
import { createRegistryCodec, decodeEvent, invoiceKey, topicFor, type CanonicalEvent, type EntityType } from '@mlc/events';
import { createEventProducer, createTopicNamespace, readDeadLetterReason } from '@mlc/kafka';
import { SysproMapping, createSysproODataClient } from '@mlc/syspro';
import { SANDBOX_MAPPINGS, startSysproSimulator, type SysproSimulator } from '@mlc/sandbox';
import { createTestTopics, testInfra, uniqueName, waitCaughtUp, waitFor } from '@mlc/testing';
import { planEntities } from './entities.js';
import { MIGRATIONS_DIR, createPgHashStore } from './hash-store.js';
import { CURSOR_TOPIC, REJECT_TOPIC, createKafkaCursorStore, createKafkaPagePublisher } from './kafka-state.js';
import { createPoller, type CreatePollerParams, type Poller } from './poller.js';
import { createPgResyncQueue, listResyncRequests, requestResync } from './resync.js';

const { Kafka, logLevel } = kafkajs;
const infra = testInfra();
const logger = pino({ level: 'silent' });
const mapping = SysproMapping.parse({ defaultCurrency: 'USD' });
const ENTITIES: EntityType[] = ['supplier', 'purchase-order', 'invoice', 'gl-account', 'cost-centre'];
const ROOT = resolve(import.meta.dirname, '../../..');

interface Env {
  kafka: KafkaClient;
  prefix: string;
  connection: string;
  topicOf: (entity: EntityType) => string;
  cursorTopic: string;
  rejectTopic: string;
  pool: pg.Pool;
  codec: ReturnType<typeof createRegistryCodec>;
}

/** Unique topics (prefix), connection id (unless given) and hash rows per test; everything removed afterwards. */
async function environment(t: TestContext, { connection = uniqueName('acme') }: { connection?: string } = {}): Promise<Env> {
  const kafka = new Kafka({ clientId: 'syspro-poller-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const ns = createTopicNamespace(`${uniqueName('t')}.`);
  const topicOf = (entity: EntityType) => ns.topic(topicFor('syspro', entity));
  const cursorTopic = ns.topic(CURSOR_TOPIC);
  const rejectTopic = ns.topic(REJECT_TOPIC);
  const topics = [...ENTITIES.map(topicOf), rejectTopic];
  const admin = kafka.admin();
  await admin.connect();
  await createTestTopics(admin, [...topics, { topic: cursorTopic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
  const pool = createPool(infra.databaseUrl, { max: 2 });
  await migrate(pool, { component: 'syspro-poller', dir: MIGRATIONS_DIR });
  t.after(async () => {
    await pool.query('delete from syspro_poller_hashes where connection = $1', [connection]);
    await pool.query('delete from syspro_poller_epoch_hashes where connection = $1', [connection]);
    await pool.query('delete from syspro_poller_resync_requests where connection = $1', [connection]);
    await pool.end();
    await admin.deleteTopics({ topics: [...topics, cursorTopic] }).catch(() => undefined);
    await admin.disconnect();
  });
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: ns.logical });
  return { kafka, prefix: ns.prefix, connection, topicOf, cursorTopic, rejectTopic, pool, codec };
}

interface Reader {
  events: CanonicalEvent[];
  of(entity: EntityType): CanonicalEvent[];
  /** Resolves once everything committed on the topics so far has been read. */
  caughtUp(): Promise<void>;
}

async function readEvents(t: TestContext, env: Env): Promise<Reader> {
  const topics = ENTITIES.map(env.topicOf);
  const consumer = env.kafka.consumer({ groupId: uniqueName('poller-test-reader'), readUncommitted: false });
  const events: CanonicalEvent[] = [];
  const position = new Map<string, bigint>();
  const seen = (topic: string, partition: number, offset: string) => {
    const k = `${topic}:${partition}`;
    if ((position.get(k) ?? -1n) < BigInt(offset)) position.set(k, BigInt(offset));
  };
  // An empty fetch reports lastOffset = high watermark - 1 even while a transaction's records are
  // still above the last stable offset (not delivered yet): only a batch with records says where we are.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.firstOffset !== null) seen(payload.topic, payload.partition, payload.lastOffset);
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      events.push(await decodeEvent(env.codec, topic, message.value));
      seen(topic, partition, message.offset);
    },
  });
  t.after(() => consumer.disconnect());
  const admin = env.kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  return {
    events,
    of: (entity) => events.filter((e) => e.entity.type === entity),
    caughtUp: () => waitCaughtUp(admin, topics, (topic, partition) => position.get(`${topic}:${partition}`)),
  };
}

async function simulator(t: TestContext, sizes: Record<string, number>, options: { serverTimeZone?: string; now?: () => number } = {}): Promise<SysproSimulator> {
  const sim = await startSysproSimulator({ sizes, seed: 11, ...options });
  t.after(() => sim.close());
  return sim;
}

async function inProcessPoller(
  t: TestContext,
  env: Env,
  sim: SysproSimulator,
  {
    pageSize = 4,
    sysproMapping = mapping,
    poll = {},
    ...tuning
  }: { pageSize?: number; sysproMapping?: SysproMapping; poll?: Partial<SysproConnection['poll']> } & Pick<CreatePollerParams, 'clock' | 'futureSkewMs' | 'changeNumberWindow' | 'maxRecordBytes'> = {},
): Promise<Poller> {
  const producer = createEventProducer({ kafka: env.kafka, codec: env.codec, logger, transactionalId: uniqueName('syspro-poller-tx'), ...(tuning.maxRecordBytes === undefined ? {} : { maxRecordBytes: tuning.maxRecordBytes }) });
  await producer.connect();
  const poller = createPoller({
    connection: env.connection,
    odata: createSysproODataClient({ baseUrl: `${sim.url}/SYSPRO8Odata/SYSPROOData`, company: 'EDU1', username: 'MLC', password: 'mlc-odata', pageSize }),
    cursors: createKafkaCursorStore({ kafka: env.kafka, connection: env.connection, logger, cursorTopic: env.cursorTopic }),
    publisher: createKafkaPagePublisher({ producer, connection: env.connection, cursorTopic: env.cursorTopic, rejectTopic: env.rejectTopic, topicOf: env.topicOf, ...(tuning.maxRecordBytes === undefined ? {} : { maxRecordBytes: tuning.maxRecordBytes }) }),
    hashes: createPgHashStore({ db: env.pool, connection: env.connection }),
    resyncs: createPgResyncQueue({ db: env.pool, connection: env.connection }),
    mapping: sysproMapping,
    entities: planEntities({ intervalSeconds: 300, overlapSeconds: 120, entities: {}, ...poll }, sysproMapping),
    logger,
    pageSize,
    ...tuning,
  });
  t.after(async () => {
    await poller.stop();
    await producer.disconnect();
  });
  return poller;
}

const keysOf = (events: readonly CanonicalEvent[]) => events.map((e) => e.entity.key).sort();
const trimmed = (value: unknown) => String(value).trim();

test('seeded rows become events; a changed payment term and PO line republish exactly those records; no change publishes nothing', async (t) => {
  const env = await environment(t);
  const sim = await simulator(t, { suppliers: 10, purchaseOrders: 6, maxLinesPerOrder: 3, invoices: 4, glAccounts: 5, costCentres: 3 });
  const reader = await readEvents(t, env);
  const poller = await inProcessPoller(t, env, sim);

  for (const entity of ENTITIES) assert.equal((await poller.runOnce(entity)).status, 'ok', entity);
  await reader.caughtUp();
  const suppliers = sim.state.table('ApSupplier').slice(0, 100);
  assert.deepEqual(keysOf(reader.of('supplier')), suppliers.map((r) => trimmed(r.Supplier)).sort());
  assert.equal(reader.of('purchase-order').length, 6);
  assert.equal(reader.of('invoice').length, 4);
  assert.equal(reader.of('gl-account').length, 5);
  assert.equal(reader.of('cost-centre').length, 3);
  const row = suppliers[0]!;
  const event = reader.of('supplier').find((e) => e.entity.key === trimmed(row.Supplier))!;
  assert.equal(event.connection, env.connection);
  assert.equal((event.data as { name: string }).name, trimmed(row.SupplierName));
  const po = reader.of('purchase-order')[0]!;
  const poLines = sim.state.table('PorMasterDetail').withPrefix([po.entity.key]).filter((l) => l.LineType !== '6');
  assert.equal((po.data as { lines: unknown[] }).lines.length, poLines.length);

  // No change: nothing new on any topic.
  const before = reader.events.length;
  for (const entity of ENTITIES) assert.equal((await poller.runOnce(entity)).published, 0, entity);
  await reader.caughtUp();
  assert.equal(reader.events.length, before);

  const supplier = suppliers[4]!;
  const terms = supplier.TermsCode === 'N7' ? 'N9' : 'N7';
  sim.state.update('ApSupplier', [supplier.Supplier!], { TermsCode: terms });
  const line = sim.state.table('PorMasterDetail').slice(2, 1)[0]!;
  sim.state.update('PorMasterDetail', [line.PurchaseOrder!, line.Line!], { MPrice: Number(line.MPrice) + 1 });
  for (const entity of ENTITIES) await poller.runOnce(entity);
  await reader.caughtUp();
  const fresh = reader.events.slice(before);
  assert.deepEqual(
    fresh.map((e) => `${e.entity.type}:${e.entity.key}`).sort(),
    [`purchase-order:${trimmed(line.PurchaseOrder)}`, `supplier:${trimmed(supplier.Supplier)}`].sort(),
  );
  assert.equal((fresh.find((e) => e.entity.type === 'supplier')!.data as { paymentTerms?: string }).paymentTerms, terms);
});

test('a changed invoice line (ApJnlDistrib, changed through the simulator admin API) republishes its invoice once with the new line, and nothing else', async (t) => {
  const env = await environment(t);
  const sim = await simulator(t, { suppliers: 8, purchaseOrders: 3, maxLinesPerOrder: 2, invoices: 4, maxDistributionsPerInvoice: 3, glAccounts: 4, costCentres: 2 });
  const reader = await readEvents(t, env);
  const poller = await inProcessPoller(t, env, sim, { sysproMapping: SysproMapping.parse(SANDBOX_MAPPINGS.syspro) });
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${sim.url}/_sandbox/${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    assert.equal(res.status, 200, `${method} ${path}: ${await res.clone().text()}`);
    return res.json();
  };

  for (const entity of ENTITIES) assert.equal((await poller.runOnce(entity)).status, 'ok', entity);
  await reader.caughtUp();
  assert.equal(reader.of('invoice').length, 4);
  const before = reader.events.length;
  for (const entity of ENTITIES) assert.equal((await poller.runOnce(entity)).published, 0, entity);

  // A line of the first invoice, whose header is not the newest (the header stream re-reads that one anyway).
  const { rows } = (await admin('GET', 'state/invoice-distributions?limit=1')) as { rows: { Supplier: string; Invoice: string; EntryNumber: number }[] };
  const line = rows[0]!;
  const path = [line.Supplier, line.Invoice, line.EntryNumber].map((v) => encodeURIComponent(v)).join('/');
  await admin('PATCH', `invoice-distributions/${path}`, { DistrValue: 123.45 });
  for (const entity of ENTITIES) assert.equal((await poller.runOnce(entity)).status, 'ok', entity);
  await reader.caughtUp();

  const key = invoiceKey({ supplierNumber: trimmed(line.Supplier), number: trimmed(line.Invoice) });
  const fresh = reader.events.slice(before);
  assert.deepEqual(fresh.map((e) => `${e.entity.type}:${e.entity.key}`), [`invoice:${key}`]);
  const lines = (fresh[0]!.data as { lines: { lineNumber: number; amount: string }[] }).lines;
  assert.equal(lines.length, sim.state.table('ApJnlDistrib').withPrefix([line.Supplier, line.Invoice]).length);
  assert.equal(lines.find((l) => l.lineNumber === line.EntryNumber)?.amount, '123.45');
  const cursors = await createKafkaCursorStore({ kafka: env.kafka, connection: env.connection, logger, cursorTopic: env.cursorTopic }).load();
  assert.equal(cursors.get('invoice-lines')?.cursor.value, String(sim.state.lastTimestamp()));
});

test('SYSPRO 500 and 401 leave the committed cursor where it was; the next tick recovers', async (t) => {
  const env = await environment(t);
  const sim = await simulator(t, { suppliers: 6, purchaseOrders: 1, invoices: 1, glAccounts: 1, costCentres: 1 });
  const reader = await readEvents(t, env);
  const poller = await inProcessPoller(t, env, sim);
  const cursors = createKafkaCursorStore({ kafka: env.kafka, connection: env.connection, logger, cursorTopic: env.cursorTopic });

  assert.equal((await poller.runOnce('supplier')).status, 'ok');
  const committed = (await cursors.load()).get('supplier');
  assert.ok(committed);
  const target = sim.state.table('ApSupplier').slice(0, 1)[0]!;
  sim.state.update('ApSupplier', [target.Supplier!], { SupplierName: 'Renamed Ltd' });

  sim.faults.add({ path: '/SYSPRO8Odata', status: 500, times: 4 });
  const down = await poller.runOnce('supplier');
  assert.equal(down.error?.code, 'MLC_HTTP_SERVER_ERROR');
  sim.faults.add({ path: '/SYSPRO8Odata', status: 401, times: 1 });
  const refused = await poller.runOnce('supplier');
  assert.equal(refused.error?.code, 'MLC_AUTH_FAILED');
  assert.deepEqual((await cursors.load()).get('supplier'), committed);

  const recovered = await poller.runOnce('supplier');
  assert.equal(recovered.status, 'ok');
  assert.equal(recovered.published, 1);
  await reader.caughtUp();
  assert.equal(reader.of('supplier').filter((e) => e.entity.key === trimmed(target.Supplier)).length, 2);
});

test('a second replica waits for the lock and takes over when the leader goes', async (t) => {
  const name = uniqueName('syspro-poller-lock');
  const states: Record<string, LeaderState[]> = { a: [], b: [] };
  const started: string[] = [];
  const attempts = { a: 0, b: 0 };
  const make = (id: 'a' | 'b') =>
    createLeader({
      name,
      logger,
      retryMs: 50,
      onStateChange: (s) => states[id]!.push(s),
      connect: async () => {
        const session = await lockSessionOn(infra.databaseUrl, 'syspro-poller-test-lock')();
        return {
          ...session,
          query: (text: string, values?: unknown[]) => {
            if (text.includes('pg_try_advisory_lock')) attempts[id] += 1;
            return session.query(text, values);
          },
        };
      },
      work: { start: async () => void started.push(id), stop: async () => void started.push(`${id}-stopped`) },
    });
  const a = make('a');
  a.start();
  await waitFor(() => a.state() === 'leader', { message: 'a leads' });
  const b = make('b');
  b.start();
  t.after(() => Promise.all([a.stop(), b.stop()]));
  // Two refused attempts: b has certainly seen the lock taken.
  await waitFor(() => attempts.b >= 2, { message: 'b tried the lock' });
  assert.equal(b.state(), 'standby');
  assert.deepEqual(states.b, []);
  assert.deepEqual(started, ['a']);

  await a.stop();
  await waitFor(() => b.state() === 'leader', { message: 'b takes over' });
  assert.deepEqual(started, ['a', 'a-stopped', 'b']);
  assert.deepEqual(states.a, ['leader', 'standby', 'stopped']);
});

/** A connections file for the service process: the test's connection on the simulator, polled every second. */
function connectionsFile(t: TestContext, env: Env, sim: SysproSimulator, ids: readonly string[] = [env.connection]): string {
  const dir = mkdtempSync(join(tmpdir(), 'syspro-poller-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'connections.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      allowLiteralSecrets: true,
      connections: ids.map((id) => ({
        id,
        syspro: {
          odata: { url: `${sim.url}/SYSPRO8Odata/SYSPROOData`, company: 'EDU1', username: 'MLC', password: 'mlc-odata', pageSize: 4 },
          poll: { intervalSeconds: 1 },
        },
        mappings: { syspro: { defaultCurrency: 'USD' } },
      })),
    }),
  );
  return configFile;
}

/** The service as a process; `connections` null: MLC_CONNECTIONS unset (every connection in the file). */
function startChild(env: Env, configFile: string, connections: string | null = env.connection): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'services/syspro-poller/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
      DATABASE_URL: infra.databaseUrl,
      MLC_CONNECTIONS_FILE: configFile,
      ...(connections === null ? {} : { MLC_CONNECTIONS: connections }),
      MLC_TOPIC_PREFIX: env.prefix,
      MLC_TOPIC_PARTITIONS: '1',
      MLC_LEADER_RETRY_MS: '200',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  return child;
}

test('a poller killed with SIGKILL mid-poll and restarted loses nothing; repeats are identical events', async (t) => {
  const env = await environment(t);
  const sizes = { suppliers: 120, purchaseOrders: 40, maxLinesPerOrder: 3, invoices: 1, glAccounts: 1, costCentres: 1 };
  const sim = await simulator(t, sizes);
  // Slow SYSPRO down so the kill lands while pages are still being committed.
  sim.faults.add({ path: '/SYSPRO8Odata', latencyMs: 15 });
  const configFile = connectionsFile(t, env, sim);
  const reader = await readEvents(t, env);
  const children: ChildProcess[] = [];
  t.after(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  const first = startChild(env, configFile);
  children.push(first);
  await waitFor(() => reader.of('supplier').length >= 20, { message: 'first poller mid-backfill', timeoutMs: 60_000 });
  first.kill('SIGKILL');
  await once(first, 'exit');
  assert.ok(reader.of('supplier').length < sizes.suppliers, 'killed before the backfill finished');

  const second = startChild(env, configFile);
  children.push(second);
  const suppliers = sim.state.table('ApSupplier').slice(0, 1000).map((r) => trimmed(r.Supplier)).sort();
  const orders = sim.state.table('PorMasterHdr').slice(0, 1000).map((r) => trimmed(r.PurchaseOrder)).sort();
  await waitFor(
    () => new Set(keysOf(reader.of('supplier'))).size === suppliers.length && new Set(keysOf(reader.of('purchase-order'))).size === orders.length,
    { message: 'every supplier and order published', timeoutMs: 120_000 },
  );
  second.kill('SIGTERM');
  const [code] = await once(second, 'exit');
  assert.equal(code, 0);

  assert.deepEqual([...new Set(keysOf(reader.of('supplier')))], suppliers);
  assert.deepEqual([...new Set(keysOf(reader.of('purchase-order')))], orders);
  // At-least-once: a record may appear twice, but only as the same event (same id, same content).
  for (const entity of ['supplier', 'purchase-order'] as const) {
    const byKey = new Map<string, Set<string>>();
    for (const e of reader.of(entity)) byKey.set(e.entity.key, (byKey.get(e.entity.key) ?? new Set()).add(`${e.id}/${e.contentHash}`));
    for (const [key, versions] of byKey) assert.equal(versions.size, 1, `${entity} ${key} published with different content`);
  }
});

test('one process polls every connection in the file, each under its own leader lock', async (t) => {
  const env = await environment(t);
  const second = `${env.connection}-b`;
  const sim = await simulator(t, { suppliers: 6, purchaseOrders: 2, maxLinesPerOrder: 2, invoices: 1, glAccounts: 1, costCentres: 1 });
  const configFile = connectionsFile(t, env, sim, [env.connection, second]);
  const reader = await readEvents(t, env);
  const child = startChild(env, configFile, null);
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const suppliers = sim.state.table('ApSupplier').slice(0, 100).map((r) => trimmed(r.Supplier)).sort();
  const of = (connection: string) => [...new Set(reader.of('supplier').filter((e) => e.connection === connection).map((e) => e.entity.key))].sort();
  await waitFor(() => of(env.connection).join() === suppliers.join() && of(second).join() === suppliers.join(), {
    message: 'both connections polled',
    timeoutMs: 60_000,
  });
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  // environment() removes the first connection's rows; the pool is still open here.
  await env.pool.query('delete from syspro_poller_hashes where connection = $1', [second]);
  await env.pool.query('delete from syspro_poller_epoch_hashes where connection = $1', [second]);
});

test('a fresh set of topics (new prefix) with a connection id whose hashes are known publishes everything', async (t) => {
  const sim = await simulator(t, { suppliers: 8, purchaseOrders: 3, maxLinesPerOrder: 2, invoices: 1, glAccounts: 1, costCentres: 1 });
  const first = await environment(t);
  const firstPoller = await inProcessPoller(t, first, sim);
  // Status, count and code together, so a failed poll says why.
  const outcome = async (poller: Poller, entity: EntityType) => {
    const { status, published, error } = await poller.runOnce(entity);
    return { status, published, code: error?.code };
  };
  assert.deepEqual(await outcome(firstPoller, 'supplier'), { status: 'ok', published: 8, code: undefined });
  assert.deepEqual(await outcome(firstPoller, 'purchase-order'), { status: 'ok', published: 3, code: undefined });

  // As a new user would: another MLC_TOPIC_PREFIX, the same connection id and database.
  const second = await environment(t, { connection: first.connection });
  const reader = await readEvents(t, second);
  const secondPoller = await inProcessPoller(t, second, sim);
  assert.deepEqual(await outcome(secondPoller, 'supplier'), { status: 'ok', published: 8, code: undefined });
  assert.deepEqual(await outcome(secondPoller, 'purchase-order'), { status: 'ok', published: 3, code: undefined });
  await reader.caughtUp();
  assert.deepEqual(keysOf(reader.of('supplier')), sim.state.table('ApSupplier').slice(0, 100).map((r) => trimmed(r.Supplier)).sort());
  assert.equal(new Set(keysOf(reader.of('purchase-order'))).size, 3);
  assert.equal(reader.of('purchase-order').length, 3, 'each order once across its header and line streams');
  // Each cursor state keeps its own hashes: the first prefix still publishes nothing unchanged.
  assert.deepEqual(await outcome(firstPoller, 'supplier'), { status: 'ok', published: 0, code: undefined });
});

test('a resync request to the running service: every record of the entity republished once (same ids), marked applied, the cursor continues', async (t) => {
  const env = await environment(t);
  const sizes = { suppliers: 9, purchaseOrders: 3, maxLinesPerOrder: 2, invoices: 1, glAccounts: 2, costCentres: 1 };
  const sim = await simulator(t, sizes);
  const configFile = connectionsFile(t, env, sim);
  const reader = await readEvents(t, env);
  const child = startChild(env, configFile);
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const suppliers = sim.state.table('ApSupplier').slice(0, 100).map((r) => trimmed(r.Supplier)).sort();
  await waitFor(() => keysOf(reader.of('supplier')).join() === suppliers.join() && reader.of('gl-account').length === sizes.glAccounts, {
    message: 'the first load',
    timeoutMs: 60_000,
  });
  const firstLoad = new Map(reader.of('supplier').map((e) => [e.entity.key, e.id]));

  const { id } = await requestResync(env.pool, { connection: env.connection, entity: 'supplier', requestedBy: 'test' });
  const [applied] = await waitFor(async () => {
    const [request] = await listResyncRequests(env.pool, { connection: env.connection });
    return request?.applied.length === 1 && request.applied;
  }, { message: 'the request applied', timeoutMs: 60_000 });
  assert.equal(applied?.entity, 'supplier');
  await waitFor(() => reader.of('supplier').length === 2 * suppliers.length, { message: 'every supplier again', timeoutMs: 60_000 });

  // The cursor continues: a change is published once more, for that supplier only.
  const changed = sim.state.table('ApSupplier').slice(2, 1)[0]!;
  sim.state.update('ApSupplier', [changed.Supplier!], { TermsCode: changed.TermsCode === 'N7' ? 'N9' : 'N7' });
  await waitFor(() => reader.of('supplier').length === 2 * suppliers.length + 1, { message: 'the changed supplier', timeoutMs: 60_000 });
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  await reader.caughtUp();

  const [first, ...rest] = [reader.of('supplier').slice(0, suppliers.length), reader.of('supplier').slice(suppliers.length, 2 * suppliers.length), reader.of('supplier').slice(2 * suppliers.length)];
  assert.deepEqual(keysOf(first!), suppliers);
  assert.deepEqual(keysOf(rest[0]!), suppliers, 'republished once each');
  assert.ok(rest[0]!.every((e) => e.id === firstLoad.get(e.entity.key)), 'unchanged content: the same event ids');
  assert.deepEqual(keysOf(rest[1]!), [trimmed(changed.Supplier)]);
  // Only the entity asked for: the other entities were not read again.
  assert.equal(reader.of('gl-account').length, sizes.glAccounts);
  assert.equal((await listResyncRequests(env.pool, { connection: env.connection }))[0]?.id, id);
});

test('resync requests stay bounded: beyond the newest kept, applied requests go; one not applied yet stays', async (t) => {
  const pool = createPool(infra.databaseUrl, { max: 1 });
  await migrate(pool, { component: 'syspro-poller', dir: MIGRATIONS_DIR });
  const connection = uniqueName('trim');
  t.after(async () => {
    await pool.query('delete from syspro_poller_resync_requests where connection = $1', [connection]);
    await pool.end();
  });
  const queue = createPgResyncQueue({ db: pool, connection });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await requestResync(pool, { connection, entity: 'supplier', reason: `r${i}` }, { keep: 3 })).id);
  // The poller applies all but the oldest (say its entity's tick has not come yet for that one).
  await queue.applied('supplier', ids.slice(1), 'e1');
  const last = await requestResync(pool, { connection, entity: 'supplier', reason: 'r5' }, { keep: 3 });
  const left = (await listResyncRequests(pool, { connection })).map((r) => r.id);
  assert.deepEqual(left, [last.id, ids[4], ids[3], ids[0]], 'the 3 newest, and the oldest that was never applied');
  assert.deepEqual((await queue.pending('supplier')).map((r) => r.id), [ids[0], last.id]);
});

// ---- Cursors that cannot skip or freeze (issue 13) ----

/** Suppliers only, by the simulator's zone-less DateLastChanged (a datetime cursor). */
const BY_CHANGE_DATE: Partial<SysproConnection['poll']> = {
  entities: {
    supplier: { enabled: true, cursorColumn: 'DateLastChanged', cursorKind: 'datetime' },
    'purchase-order': { enabled: false },
    invoice: { enabled: false },
    'gl-account': { enabled: false },
    'cost-centre': { enabled: false },
  },
};

/** The simulator's admin API, as an operator's script would call it. */
function adminOf(sim: SysproSimulator) {
  return async (method: string, path: string, body?: unknown, expected = 200): Promise<Record<string, unknown>> => {
    const res = await fetch(`${sim.url}/_sandbox/${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    assert.equal(res.status, expected, `${method} ${path}: ${await res.clone().text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
}

/** Events per key published after `from` (an index into reader.events). */
function countsSince(reader: Reader, from: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of reader.events.slice(from)) counts.set(e.entity.key, (counts.get(e.entity.key) ?? 0) + 1);
  return counts;
}

test('a supplier dated 2099 is published without freezing the cursor: it is committed at or before now + skew, and a normal change after it is published', async (t) => {
  const env = await environment(t);
  const sim = await simulator(t, { suppliers: 8, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 });
  const reader = await readEvents(t, env);
  const skewMs = 300_000;
  const poller = await inProcessPoller(t, env, sim, { poll: BY_CHANGE_DATE, futureSkewMs: skewMs });
  const admin = adminOf(sim);
  const cursorNow = async () => (await createKafkaCursorStore({ kafka: env.kafka, connection: env.connection, logger, cursorTopic: env.cursorTopic }).load()).get('supplier')!.cursor;

  assert.equal((await poller.runOnce('supplier')).published, 8);
  await reader.caughtUp();
  const loaded = reader.events.length;

  await admin('PATCH', 'suppliers/S000003', { SupplierName: 'Typo Dated Ltd', DateLastChanged: '2099-01-01T00:00:00' });
  const typo = await poller.runOnce('supplier');
  assert.equal(typo.status, 'ok');
  assert.equal(typo.published, 1);
  assert.equal(typo.future, 1);
  const committed = await cursorNow();
  assert.ok(committed.value !== null && Date.parse(`${committed.value}Z`) <= Date.now() + skewMs, `cursor ${committed.value} is not past now + skew`);

  // A real change after the typo (the server stamps it with its clock) is read.
  await admin('PATCH', 'suppliers/S000006', { SupplierName: 'Real Change Ltd' });
  const next = await poller.runOnce('supplier');
  assert.equal(next.published, 1);
  assert.equal(next.future, 1, 'the 2099 row is read again (unchanged, not republished) until its date is corrected');
  await reader.caughtUp();
  assert.deepEqual(Object.fromEntries(countsSince(reader, loaded)), { S000003: 1, S000006: 1 });
  assert.equal((reader.events.at(-1)!.data as { name: string }).name, 'Real Change Ltd');
  assert.ok(Date.parse(`${(await cursorNow()).value}Z`) <= Date.now() + skewMs);
});

test('suppliers changed through the repeated hour of a fall-back, in the SYSPRO server zone (America/Chicago), are all published exactly once', async (t) => {
  const env = await environment(t);
  // 2026-11-01T07:00Z: 02:00 CDT became 01:00 CST. (A zone west of UTC: read as UTC its wall
  // clocks look past, so only the zone handling, not the future-date clamp, can find the row.)
  let now = Date.parse('2026-11-01T06:40:00Z');
  const sim = await simulator(t, { suppliers: 10, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 }, { serverTimeZone: 'America/Chicago', now: () => now });
  const reader = await readEvents(t, env);
  const chicago = SysproMapping.parse({ defaultCurrency: 'USD', dates: { timeZone: 'America/Chicago' } });
  const poller = await inProcessPoller(t, env, sim, { poll: BY_CHANGE_DATE, sysproMapping: chicago, clock: () => new Date(now) });
  const admin = adminOf(sim);
  const change = async (at: string, supplier: string) => {
    now = Date.parse(at);
    return admin('PATCH', `suppliers/${supplier}`, { SupplierName: `Changed ${supplier} at ${at}` });
  };
  const poll = async (at: string) => {
    now = Date.parse(at);
    const result = await poller.runOnce('supplier');
    assert.equal(result.status, 'ok', at);
    return result;
  };

  assert.equal((await poll('2026-11-01T06:41:00Z')).published, 10);
  await reader.caughtUp();
  const loaded = reader.events.length;

  assert.equal((await change('2026-11-01T06:45:00Z', 'S000001')).DateLastChanged, '2026-11-01T01:45:00.000');
  await change('2026-11-01T06:50:00Z', 'S000002');
  assert.equal((await poll('2026-11-01T06:52:00Z')).published, 2); // cursor: 01:50 wall clock (CDT)
  // The clocks went back at 07:00Z: this change is stamped 01:05 (CST), 45 minutes below the cursor.
  assert.equal((await change('2026-11-01T07:05:00Z', 'S000003')).DateLastChanged, '2026-11-01T01:05:00.000');
  assert.equal((await poll('2026-11-01T07:06:00Z')).published, 1);
  await change('2026-11-01T07:20:00Z', 'S000004');
  assert.equal((await poll('2026-11-01T07:21:00Z')).published, 1);
  await change('2026-11-01T08:10:00Z', 'S000005');
  assert.equal((await poll('2026-11-01T08:11:00Z')).published, 1);

  await reader.caughtUp();
  assert.deepEqual(Object.fromEntries([...countsSince(reader, loaded)].sort()), { S000001: 1, S000002: 1, S000003: 1, S000004: 1, S000005: 1 });
});

test('spring forward in America/Chicago: a change stamped just before the gap that commits after a later one is read within the overlap', async (t) => {
  const env = await environment(t);
  // 2027-03-14T08:00Z: 02:00 CST became 03:00 CDT.
  let now = Date.parse('2027-03-14T07:50:00Z');
  const sim = await simulator(t, { suppliers: 6, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 }, { serverTimeZone: 'America/Chicago', now: () => now });
  const reader = await readEvents(t, env);
  const chicago = SysproMapping.parse({ defaultCurrency: 'USD', dates: { timeZone: 'America/Chicago' } });
  const poller = await inProcessPoller(t, env, sim, { poll: BY_CHANGE_DATE, sysproMapping: chicago, clock: () => new Date(now) });
  const admin = adminOf(sim);
  const poll = async (at: string) => {
    now = Date.parse(at);
    const result = await poller.runOnce('supplier');
    assert.equal(result.status, 'ok', at);
    return result;
  };

  assert.equal((await poll('2027-03-14T07:51:00Z')).published, 6);
  await reader.caughtUp();
  const loaded = reader.events.length;

  // Written at 01:59:30 CST, committed only after a change at 03:01 CDT was read: 58 wall-clock
  // minutes but 90 real seconds below the cursor, within the two-minute overlap.
  now = Date.parse('2027-03-14T07:59:30Z');
  const held = await admin('PATCH', 'suppliers/S000002?commit=deferred', { SupplierName: 'Before The Gap Ltd' }, 202);
  assert.equal(held.changed, '2027-03-14T01:59:30.000');
  now = Date.parse('2027-03-14T08:01:00Z');
  assert.equal((await admin('PATCH', 'suppliers/S000005', { SupplierName: 'After The Gap Ltd' })).DateLastChanged, '2027-03-14T03:01:00.000');
  assert.equal((await poll('2027-03-14T08:01:10Z')).published, 1);
  await admin('POST', `transactions/${String(held.transaction)}/commit`);
  assert.equal((await poll('2027-03-14T08:02:00Z')).published, 1);

  await reader.caughtUp();
  assert.deepEqual(Object.fromEntries([...countsSince(reader, loaded)].sort()), { S000002: 1, S000005: 1 });
});

test('a late-committing transaction with a lower TimeStamp than the cursor is read by the next poll (change-number window), and rows in the window already handled are not republished', async (t) => {
  const env = await environment(t);
  const sim = await simulator(t, { suppliers: 6, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 });
  const reader = await readEvents(t, env);
  const poller = await inProcessPoller(t, env, sim, { changeNumberWindow: 50 });
  const admin = adminOf(sim);

  assert.equal((await poller.runOnce('supplier')).published, 6);
  await reader.caughtUp();
  const loaded = reader.events.length;

  // The first transaction writes (and takes its TimeStamp), a second writes and commits, the poll runs, then the first commits.
  const held = await admin('PATCH', 'suppliers/S000002?commit=deferred', { SupplierName: 'Committed Late Ltd' }, 202);
  const early = await admin('PATCH', 'suppliers/S000004', { SupplierName: 'Committed First Ltd' });
  assert.ok(Number(held.TimeStamp) < Number(early.TimeStamp));
  assert.equal((await poller.runOnce('supplier')).published, 1);
  await admin('POST', `transactions/${String(held.transaction)}/commit`);
  const late = await poller.runOnce('supplier');
  assert.equal(late.published, 1);
  assert.ok(late.rowsRead >= 2, 'the window re-read S000004 (already handled at its TimeStamp: not republished)');

  await reader.caughtUp();
  assert.deepEqual(Object.fromEntries([...countsSince(reader, loaded)].sort()), { S000002: 1, S000004: 1 });
});

test('a purchase order whose event is over the record limit is rejected (the poller DLQ names it) and the rest of its page published; the poll goes on and so does the cursor', async (t) => {
  // Before: the page's transaction was refused by the broker (MESSAGE_TOO_LARGE) on every poll, so
  // one large order stopped every later order of the connection.
  const maxRecordBytes = 16_384;
  const env = await environment(t);
  const sim = await simulator(t, { suppliers: 4, purchaseOrders: 5, maxLinesPerOrder: 2, invoices: 0, glAccounts: 1, costCentres: 1 });
  const reader = await readEvents(t, env);
  const rejects: { key: string; value: Record<string, unknown>; code: string | undefined }[] = [];
  const consumer = env.kafka.consumer({ groupId: uniqueName('poller-test-rejects'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: env.rejectTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      rejects.push({ key: message.key?.toString() ?? '', value: JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>, code: readDeadLetterReason(message.headers)?.code });
    },
  });
  t.after(() => consumer.disconnect());
  const big = sim.state.table('PorMasterHdr').slice(1, 1)[0]!;
  const { TimeStamp: _stamp, ...template } = sim.state.table('PorMasterDetail').withPrefix([big.PurchaseOrder!])[0]!;
  // SYSPRO's 50-character descriptions: a large order is one with many lines.
  for (let line = 100; line < 220; line += 1) sim.state.insert('PorMasterDetail', { ...template, Line: line, MStockDes: `Bearing housing, sealed, 40 mm bore, line ${line}` });
  const poller = await inProcessPoller(t, env, sim, { maxRecordBytes, pageSize: 50 });

  const result = await poller.runOnce('purchase-order');
  assert.equal(result.status, 'ok');
  assert.equal(result.rejected, 1);
  await reader.caughtUp();
  const bigKey = trimmed(big.PurchaseOrder);
  assert.deepEqual(keysOf(reader.of('purchase-order')), sim.state.table('PorMasterHdr').slice(0, 10).map((r) => trimmed(r.PurchaseOrder)).filter((k) => k !== bigKey).sort());
  await waitFor(() => rejects.length >= 1, { message: 'the reject record' });
  assert.equal(rejects.length, 1);
  assert.equal(rejects[0]!.key, `${env.connection}:purchase-order:${bigKey}`);
  assert.equal(rejects[0]!.code, 'MLC_PAYLOAD_TOO_LARGE');
  const context = rejects[0]!.value.context as { key: string; bytes: number; maxRecordBytes: number };
  assert.equal(context.key, bigKey);
  assert.ok(context.bytes > maxRecordBytes, `${context.bytes} bytes`);
  assert.equal(context.maxRecordBytes, maxRecordBytes);

  // The cursor moved past it: the next poll publishes a later change of another order.
  const other = sim.state.table('PorMasterDetail').withPrefix([sim.state.table('PorMasterHdr').slice(0, 1)[0]!.PurchaseOrder!])[0]!;
  sim.state.update('PorMasterDetail', [other.PurchaseOrder!, other.Line!], { MPrice: Number(other.MPrice) + 1 });
  const before = reader.events.length;
  const next = await poller.runOnce('purchase-order');
  assert.equal(next.status, 'ok');
  await reader.caughtUp();
  assert.deepEqual(reader.events.slice(before).map((e) => e.entity.key), [trimmed(other.PurchaseOrder)]);
});
