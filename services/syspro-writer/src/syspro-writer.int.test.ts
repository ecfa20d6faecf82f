import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { OUTCOMES_TOPIC, buildEvent, createRegistryCodec, topicFor, type CanonicalEvent, type SupplierData } from '@mlc/events';
import { createEventProducer, createTopicNamespace, dlqTopicFor, ensureTopics, standardTopics } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { startSysproSimulator, sysproEndpoints } from '@mlc/sandbox';
import { spawnService, testInfra, uniqueName, waitFor } from '@mlc/testing';

// syspro-writer as production runs it (main.ts in its own process) on the real stack, with the
// SYSPRO simulator as SYSPRO: e.net for the writes, OData for the lookups. Namespaced per test.
const infra = testInfra();
const SETUP_PATH = '/SYSPROWCFService/Rest/Setup/';

interface Row {
  [column: string]: string | number | null;
}

async function onStack(t: { after: (fn: () => Promise<void>) => void }) {
  const prefix = `${uniqueName('sw')}.`;
  const ns = createTopicNamespace(prefix);
  const connection = uniqueName('acme');
  const syspro = await startSysproSimulator({ sizes: { suppliers: 5, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 } });
  const folder = mkdtempSync(join(tmpdir(), 'syspro-writer-'));
  const connectionsFile = join(folder, 'connections.json');
  writeFileSync(connectionsFile, JSON.stringify({ allowLiteralSecrets: true, connections: [{ id: connection, syspro: sysproEndpoints(syspro), mappings: { syspro: { defaultCurrency: 'ZAR' } } }] }));

  const kafka = new Kafka({ clientId: uniqueName('sw-test'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const topics = standardTopics({ partitions: 3, writerGroups: ['syspro-writer'] }).map((d) => ({ ...d, topic: ns.topic(d.topic) }));
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topics);
  await admin.disconnect();
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: ns.logical });
  const producer = createEventProducer({ kafka, codec, logger: createLogger({ name: 'syspro-writer-test', level: 'silent' }) });
  await producer.connect();
  const writers: ChildProcess[] = [];

  t.after(async () => {
    for (const writer of writers) if (writer.exitCode === null) writer.kill('SIGKILL');
    await producer.disconnect();
    await syspro.close();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: topics.map((d) => d.topic) }).catch(() => undefined);
    await cleanup.disconnect();
  });

  /** Every record of a topic so far (a fresh group reads from the start until it has the high watermarks). */
  async function drain(logical: string): Promise<Array<{ headers: Record<string, string>; value: Buffer | null }>> {
    const topic = ns.topic(logical);
    const offsets = kafka.admin();
    await offsets.connect();
    const total = (await offsets.fetchTopicOffsets(topic).finally(() => offsets.disconnect())).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    if (total === 0) return [];
    const reader = kafka.consumer({ groupId: uniqueName('sw-reader') });
    const seen: Array<{ headers: Record<string, string>; value: Buffer | null }> = [];
    await reader.connect();
    try {
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          seen.push({ headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])), value: message.value });
        },
      });
      await waitFor(() => seen.length >= total, { message: `${total} records of ${logical}` });
    } finally {
      await reader.disconnect();
    }
    return seen;
  }

  return {
    connection,
    syspro,
    publish: async (events: CanonicalEvent[]) => {
      for (const event of events) await producer.publish(ns.topic(topicFor('coupa', 'supplier')), [event]);
    },
    startWriter(): ChildProcess {
      const writer = spawnService('syspro-writer', {
        env: { MLC_CONNECTIONS_FILE: connectionsFile, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '3', MLC_RETRY_INITIAL_MS: '100', MLC_RETRY_MAX_MS: '1000', MLC_RETRY_MAX_ATTEMPTS: '60' },
      });
      writers.push(writer);
      return writer;
    },
    supplier: async (number: string): Promise<Row | undefined> => {
      const res = await fetch(`${syspro.url}/_sandbox/state/suppliers/${encodeURIComponent(number)}`);
      return res.ok ? ((await res.json()) as Row) : undefined;
    },
    setupCalls: async (): Promise<string[]> => {
      const log = (await (await fetch(`${syspro.url}/_sandbox/requests?path=${SETUP_PATH}&limit=100000`)).json()) as Array<{ url: string }>;
      return log.map((r) => new URL(r.url, syspro.url)).map((u) => `${u.pathname.slice(SETUP_PATH.length)} ${/<Supplier>([^<]*)<\/Supplier>/.exec(u.searchParams.get('XmlIn') ?? '')?.[1]}`);
    },
    dlq: () => drain(dlqTopicFor('syspro-writer')),
    outcomes: () => drain(OUTCOMES_TOPIC),
  };
}

function coupaSupplier(connection: string, data: SupplierData, occurredAt: string): CanonicalEvent {
  return buildEvent({ source: 'coupa', connection, entity: 'supplier', key: data.number, data, occurredAt, observedAt: occurredAt, correlationId: uniqueName('corr') });
}

test('Coupa suppliers create and update SYSPRO suppliers through e.net; an expired session is re-established; a replay changes nothing; a SYSPRO business error lands in the DLQ with its text', async (t) => {
  const h = await onStack(t);
  const c = h.connection;
  const created = coupaSupplier(c, { number: 'CP0001', name: 'Coupa Born Ltd', status: 'active', currency: 'USD', paymentTerms: '30', taxId: 'ZA-77', contact: { name: 'Jane Roe', email: 'jane@born.example' }, address: { lines: ['9 Main Rd'], postalCode: '2001' } }, '2026-11-20T10:00:00Z');
  await h.publish([created]);
  h.startWriter();
  const added = await waitFor(async () => h.supplier('CP0001'), { timeoutMs: 90_000, message: 'CP0001 added in SYSPRO' });
  assert.deepEqual(
    [added.SupplierName, added.Currency, added.TermsCode, added.TaxRegnNum, added.Contact, added.Email, added.SupAddr1, added.RemitAddr1, added.RemitPostalCode],
    ['Coupa Born Ltd', 'USD', '30', 'ZA-77', 'Jane Roe', 'jane@born.example', '9 Main Rd', '9 Main Rd', '2001'],
  );

  // SYSPRO ends every e.net session; the next write logs on again and goes through.
  const expired = (await (await fetch(`${h.syspro.url}/_sandbox/sessions/expire`, { method: 'POST' })).json()) as { expired: number };
  assert.equal(expired.expired, 1, 'the writer held one session');
  const changed = coupaSupplier(c, { ...created.data as SupplierData, paymentTerms: '60', contact: { name: 'John Roe', phone: '+27 11 555 0100' } }, '2026-11-20T11:00:00Z');
  const seeded = coupaSupplier(c, { number: 'S000002', name: 'Ignored Name', status: 'active', paymentTerms: 'EM', contact: { name: 'Seeded Contact' } }, '2026-11-20T11:00:00Z');
  await h.publish([changed, seeded]);
  await waitFor(async () => (await h.supplier('CP0001'))?.Contact === 'John Roe' && (await h.supplier('S000002'))?.Contact === 'Seeded Contact', { timeoutMs: 60_000, message: 'updates in SYSPRO' });
  const updated = (await h.supplier('CP0001'))!;
  assert.deepEqual([updated.TermsCode, updated.Telephone, updated.Email, updated.SupplierName], ['60', '+27 11 555 0100', '', 'Coupa Born Ltd']);
  assert.notEqual((await h.supplier('S000002'))!.SupplierName, 'Ignored Name', 'an Update sends only the fields Coupa owns by default');

  // SYSPRO refuses a terms code it does not know: permanent, in the DLQ with SYSPRO's words.
  await h.publish([coupaSupplier(c, { number: 'S000003', name: 'X', status: 'active', paymentTerms: '99' }, '2026-11-20T12:00:00Z')]);
  const [dead] = await waitFor(async () => {
    const records = await h.dlq();
    return records.length > 0 ? records : undefined;
  }, { timeoutMs: 60_000, message: 'the rejected supplier in the DLQ' });
  assert.equal(dead!.headers['mlc-dlq-code'], 'MLC_VENDOR_REJECTED');
  assert.match(dead!.headers['mlc-dlq-message'] ?? '', /99/, 'the DLQ record carries SYSPRO\'s message');

  // Replays of everything written: no e.net write, only the marker's.
  const before = (await h.setupCalls()).length;
  await h.publish([created, changed, seeded, coupaSupplier(c, { number: 'MARKER', name: 'Marker', status: 'active' }, '2026-11-20T13:00:00Z')]);
  await waitFor(async () => h.supplier('MARKER'), { timeoutMs: 60_000, message: 'the marker in SYSPRO' });
  assert.deepEqual((await h.setupCalls()).slice(before), ['Add MARKER']);
  const statuses = (await h.outcomes()).map((o) => JSON.parse(o.value!.subarray(5).toString()) as { status: string; target?: { system: string } });
  assert.ok(statuses.every((o) => o.status === 'dead-lettered' || o.target?.system === 'syspro'));
  // The replayed first snapshot is older than the one written after it: skipped as stale.
  assert.deepEqual(statuses.map((o) => o.status).sort(), ['created', 'created', 'dead-lettered', 'skipped', 'unchanged', 'unchanged', 'updated', 'updated']);
});

test('kill -9 of syspro-writer mid-batch: every supplier added exactly once, nothing dead-lettered', async (t) => {
  const h = await onStack(t);
  const count = 40;
  const numbers = Array.from({ length: count }, (_, i) => `K${String(i).padStart(4, '0')}`);
  await h.publish(numbers.map((n) => coupaSupplier(h.connection, { number: n, name: `Killed ${n}`, status: 'active', contact: { name: 'A' } }, '2026-11-20T10:00:00Z')));
  // SYSPRO takes 100 ms per setup call, so the kill lands mid-batch, possibly mid-call.
  await fetch(`${h.syspro.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: SETUP_PATH, latencyMs: 100 }) });
  const first = h.startWriter();
  await waitFor(async () => (await h.setupCalls()).length >= 10, { timeoutMs: 90_000, message: '10 suppliers written' });
  first.kill('SIGKILL');
  assert.ok((await h.setupCalls()).length < count, 'killed before the batch was done');
  h.startWriter();
  await waitFor(async () => (await Promise.all(numbers.map((n) => h.supplier(n)))).every(Boolean), { timeoutMs: 120_000, message: `${count} suppliers in SYSPRO` });
  const adds = (await h.setupCalls()).filter((c) => c.startsWith('Add '));
  assert.equal(adds.length, count, 'no supplier was added twice (a redelivery after the crash updates)');
  assert.deepEqual(new Set(adds).size, count);
  assert.deepEqual(await h.dlq(), [], 'nothing gave up');
});
