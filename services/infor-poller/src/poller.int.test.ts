import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { InforMapping, createM3Client, createSupplierChangeReader, parseIonApi } from '@mlc/infor';
import type { SupplierEvent } from '@mlc/events';
import { createEventProducer, oversizedRecord, readDeadLetterReason } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { spawnService, uniqueName, waitFor } from '@mlc/testing';
import { createPgHashStore } from './hash-store.js';
import { CURSOR_TOPIC, EVENT_TOPIC, REJECT_TOPIC, createKafkaCursorStore, createKafkaPagePublisher } from './kafka-state.js';
import { createPoller } from './poller.js';
import { harness, readSupplierEvents, type Harness } from './test-support.js';

const logger = createLogger({ name: 'infor-poller-test', level: 'silent' });
const mapping = InforMapping.parse(undefined);

async function inProcessPoller(t: TestContext, h: Harness, pageSize: number, { futureSkewMs, maxRecordBytes }: { futureSkewMs?: number; maxRecordBytes?: number } = {}) {
  const producer = createEventProducer({ kafka: h.kafka, codec: h.codec, logger, transactionalId: uniqueName('infor-poller-tx') });
  await producer.connect();
  const m3 = createM3Client({ credentials: parseIonApi(h.sim.ionapi), company: '100', requestsPerMinute: false });
  const poller = createPoller({
    connection: h.connection,
    reader: createSupplierChangeReader({ m3, transaction: mapping.transactions.listChangedSuppliers }),
    cursors: createKafkaCursorStore({ kafka: h.kafka, connection: h.connection, logger, cursorTopic: h.ns.topic(CURSOR_TOPIC) }),
    publisher: createKafkaPagePublisher({
      producer,
      connection: h.connection,
      cursorTopic: h.ns.topic(CURSOR_TOPIC),
      rejectTopic: h.ns.topic(REJECT_TOPIC),
      eventTopic: h.ns.topic(EVENT_TOPIC),
      ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
    }),
    hashes: createPgHashStore({ db: h.pool, connection: h.connection }),
    mapping,
    logger,
    pageSize,
    overlapMs: 120_000,
    intervalMs: 300_000,
    ...(futureSkewMs === undefined ? {} : { futureSkewMs }),
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
  });
  t.after(async () => {
    await poller.stop();
    await m3.close();
    await producer.disconnect();
  });
  return poller;
}

test('backfill publishes every M3 supplier once; a quiet poll nothing; a supplier changed in M3 exactly that one, with M3 change time and user', async (t) => {
  const h = await harness(t, 12);
  const reader = await readSupplierEvents(t, h);
  const poller = await inProcessPoller(t, h, 5);

  const backfill = await poller.runOnce();
  assert.equal(backfill.status, 'ok');
  assert.equal(backfill.pages, 3);
  assert.equal(backfill.published, 12);
  await reader.caughtUp();
  const seeded = [...h.sim.state.suppliers.values()];
  assert.deepEqual(reader.events.map((e) => e.entity.key).sort(), seeded.map((s) => s.SUNO).sort());
  const first = reader.events.find((e) => e.entity.key === 'SUP00001')!;
  assert.equal(first.source, 'infor');
  assert.equal(first.connection, h.connection);
  assert.equal(first.data.name, h.sim.state.suppliers.get('SUP00001')!.SUNM);

  // The overlap re-reads recent changes: dropped by content hash, nothing published.
  const quiet = await poller.runOnce();
  assert.equal(quiet.status, 'ok');
  assert.equal(quiet.published, 0);
  assert.equal(quiet.unchanged, quiet.read);

  await h.changeSupplier('SUP00007', { SUNM: 'Renamed in M3 AB', CHID: 'ANNA' });
  const changed = await poller.runOnce();
  assert.equal(changed.published, 1);
  await reader.caughtUp();
  assert.equal(reader.events.length, 13);
  const event = reader.events.at(-1)!;
  assert.equal(event.entity.key, 'SUP00007');
  assert.equal(event.data.name, 'Renamed in M3 AB');
  assert.equal(event.actor, 'ANNA');
  assert.equal(event.occurredAt, new Date(Number(h.sim.state.suppliers.get('SUP00007')!.LMTS)).toISOString());

  const cursor = await createKafkaCursorStore({ kafka: h.kafka, connection: h.connection, logger, cursorTopic: h.ns.topic(CURSOR_TOPIC) }).load();
  assert.deepEqual(cursor, { timestamp: h.sim.state.suppliers.get('SUP00007')!.LMTS, supplier: 'SUP00007' });
});

test('M3 failures leave the committed cursor where it was; the next poll recovers', async (t) => {
  const h = await harness(t, 4);
  const reader = await readSupplierEvents(t, h);
  const poller = await inProcessPoller(t, h, 3);
  const cursors = createKafkaCursorStore({ kafka: h.kafka, connection: h.connection, logger, cursorTopic: h.ns.topic(CURSOR_TOPIC) });
  assert.equal((await poller.runOnce()).status, 'ok');
  const committed = await cursors.load();
  await h.changeSupplier('SUP00002', { TEPY: '90' });
  await h.fault({ path: `/${h.sim.ionapi.ti}/M3/`, status: 500, times: 10 });
  const down = await poller.runOnce();
  assert.equal(down.status, 'failed');
  assert.equal(down.error?.code, 'MLC_HTTP_SERVER_ERROR');
  assert.deepEqual(await cursors.load(), committed);
  await h.fault(undefined);
  const recovered = await poller.runOnce();
  assert.equal(recovered.status, 'ok');
  assert.equal(recovered.published, 1);
  await waitFor(() => reader.events.some((e) => e.entity.key === 'SUP00002' && e.data.paymentTerms === '90'), { message: 'the change published after recovery' });
  assert.equal(reader.events.filter((e) => e.entity.key === 'SUP00002').length, 2);
});

test('infor-poller killed with SIGKILL mid-backfill and restarted loses nothing, and repeats only identical events', async (t) => {
  const h = await harness(t, 150);
  // Slow M3 down so the kill lands while pages are being committed.
  await h.fault({ path: `/${h.sim.ionapi.ti}/M3/`, latencyMs: 20 });
  const connectionsFile = h.connectionsFile({ intervalSeconds: 1, overlapSeconds: 0, pageSize: 4 });
  const reader = await readSupplierEvents(t, h);
  const children: ChildProcess[] = [];
  t.after(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));
  const start = () => {
    const child = spawnService('infor-poller', {
      env: { MLC_CONNECTIONS_FILE: connectionsFile, MLC_CONNECTIONS: h.connection, MLC_TOPIC_PREFIX: h.ns.prefix, MLC_TOPIC_PARTITIONS: '1', MLC_LEADER_RETRY_MS: '200' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };

  const first = start();
  await waitFor(() => reader.events.length >= 20, { message: 'first poller mid-backfill', timeoutMs: 60_000 });
  first.kill('SIGKILL');
  await once(first, 'exit');
  assert.ok(reader.events.length < 150, 'killed before the backfill finished');

  const second = start();
  const suppliers = [...h.sim.state.suppliers.keys()].sort();
  await waitFor(() => new Set(reader.events.map((e) => e.entity.key)).size === suppliers.length, { message: 'every supplier published', timeoutMs: 120_000 });
  // Every successful poll is recorded for `mlc status`, changes or none.
  await waitFor(async () => (await h.pool.query('select 1 from infor_poller_polls where connection = $1 and entity = $2', [h.connection, 'supplier'])).rowCount === 1, {
    message: 'the last successful poll recorded',
    timeoutMs: 30_000,
  });
  second.kill('SIGTERM');
  const [code] = await once(second, 'exit');
  assert.equal(code, 0);

  assert.deepEqual([...new Set(reader.events.map((e) => e.entity.key))].sort(), suppliers);
  // At-least-once: a supplier may appear twice, but only as the same event (same id and content).
  const versions = new Map<string, Set<string>>();
  for (const e of reader.events) versions.set(e.entity.key, (versions.get(e.entity.key) ?? new Set()).add(`${e.id}/${e.contentHash}`));
  for (const [key, seen] of versions) assert.equal(seen.size, 1, `${key} published with different content`);
});

test('a supplier whose LMTS is in 2099 (M3 clock set wrong) is published without freezing the cursor; a normal change after it is published', async (t) => {
  const h = await harness(t, 6);
  const reader = await readSupplierEvents(t, h);
  const skewMs = 300_000;
  const poller = await inProcessPoller(t, h, 5, { futureSkewMs: skewMs });
  const committed = async () => (await createKafkaCursorStore({ kafka: h.kafka, connection: h.connection, logger, cursorTopic: h.ns.topic(CURSOR_TOPIC) }).load())!;

  assert.equal((await poller.runOnce()).published, 6);
  await reader.caughtUp();
  const loaded = reader.events.length;

  await h.changeSupplier('SUP00002', { SUNM: 'Typo Clock AB' }, '2099-01-01T00:00:00Z');
  const typo = await poller.runOnce();
  assert.equal(typo.status, 'ok');
  assert.equal(typo.published, 1);
  assert.equal(typo.future, 1);
  assert.ok(Number((await committed()).timestamp) <= Date.now() + skewMs, 'the committed cursor is not past now + skew');

  await h.changeSupplier('SUP00005', { SUNM: 'Real Change AB' });
  const next = await poller.runOnce();
  assert.equal(next.published, 1);
  assert.equal(next.future, 1, 'the 2099 supplier is read again (unchanged) until M3 corrects it');
  await reader.caughtUp();
  assert.deepEqual(reader.events.slice(loaded).map((e) => e.entity.key).sort(), ['SUP00002', 'SUP00005']);
  assert.ok(Number((await committed()).timestamp) <= Date.now() + skewMs);
});

test('a supplier whose event is over the record limit is rejected (the poller DLQ names it), the others published, and the cursor moves on', async (t) => {
  const h = await harness(t, 6);
  const reader = await readSupplierEvents(t, h);
  const long = { SUNM: 'N'.repeat(36), YREF: 'R'.repeat(30), ADR1: 'A'.repeat(36), ADR2: 'B'.repeat(36), ADR3: 'C'.repeat(36), ADR4: 'D'.repeat(36) };
  await h.changeSupplier('SUP00004', long);
  // Sizes from a first poll without a limit: the limit is then set between the others' records and SUP00004's.
  assert.equal((await (await inProcessPoller(t, h, 10)).runOnce()).published, 6);
  await waitFor(() => reader.events.length >= 6, { message: 'the six events' });
  const bytes = (key: string) => recordBytesOf(reader.events.find((e) => e.entity.key === key)!);
  const others = Math.max(...reader.events.filter((e) => e.entity.key !== 'SUP00004').map((e) => recordBytesOf(e)));
  assert.ok(bytes('SUP00004') > others, `${bytes('SUP00004')} > ${others}`);

  const rejects: { key: string; code: string | undefined }[] = [];
  const consumer = h.kafka.consumer({ groupId: uniqueName('infor-poller-test-rejects'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: h.ns.topic(REJECT_TOPIC), fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void rejects.push({ key: message.key?.toString() ?? '', code: readDeadLetterReason(message.headers)?.code }) });
  t.after(() => consumer.disconnect());
  await h.changeSupplier('SUP00004', { ...long, CHID: 'ANNA' });
  await h.changeSupplier('SUP00002', { SUNM: 'Renamed in M3 AB', CHID: 'ANNA' });
  const poller = await inProcessPoller(t, h, 10, { maxRecordBytes: others });
  const result = await poller.runOnce();
  assert.equal(result.status, 'ok');
  assert.equal(result.rejected, 1);
  await waitFor(() => reader.events.length >= 7, { message: 'the seventh event' });
  await reader.caughtUp();
  assert.deepEqual(reader.events.slice(6).map((e) => e.entity.key), ['SUP00002']);
  await waitFor(() => rejects.length >= 1, { message: 'the reject record' });
  assert.deepEqual(rejects, [{ key: `${h.connection}:supplier:SUP00004`, code: 'MLC_PAYLOAD_TOO_LARGE' }]);
  const cursor = await createKafkaCursorStore({ kafka: h.kafka, connection: h.connection, logger, cursorTopic: h.ns.topic(CURSOR_TOPIC) }).load();
  assert.equal(cursor?.supplier, 'SUP00002', 'the newest change is behind the cursor');
});

/** The bytes of an event's record as the poller measures it. */
function recordBytesOf(event: SupplierEvent): number {
  return oversizedRecord(event, undefined, 0)!.context.bytes as number;
}
