import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { MlcError } from '@mlc/errors';
import { invoiceKey } from '@mlc/events';
import { SysproMapping, createSysproODataClient, type PollCursor } from '@mlc/syspro';
import { SANDBOX_MAPPINGS, startSysproSimulator, type SysproSimulator } from '@mlc/sandbox';
import { planEntities } from './entities.js';
import { createPoller, type Poller } from './poller.js';
import type { CursorReset, HashStore, PageCommit, PagePublisher, PendingResync, ResyncQueue, StoredCursor } from './ports.js';

const logger = pino({ level: 'silent' });
const mapping = SysproMapping.parse({ defaultCurrency: 'USD' });
// Invoice lines configured: the simulator's AP journal distributions (ApJnlDistrib).
const withInvoiceLines = SysproMapping.parse(SANDBOX_MAPPINGS.syspro);
const POLL = { intervalSeconds: 300, overlapSeconds: 120, entities: {} };
const SIZES = { suppliers: 12, purchaseOrders: 9, maxLinesPerOrder: 3, invoices: 5, glAccounts: 6, costCentres: 3 };

interface Harness {
  sim: SysproSimulator;
  poller: Poller;
  commits: PageCommit[];
  /** Cursors as Kafka would hold them: only what a commit got through. */
  committed: Map<string, PollCursor>;
  /** What the cursor topic holds per stream (cursor, epoch, resyncs). */
  stored: Map<string, StoredCursor>;
  /** Key `<epoch>|<entity>:<key>`. */
  hashes: Map<string, string>;
  forgetHash(entity: string, key: string): void;
  resets: CursorReset[];
  resyncs: ReturnType<typeof memoryResyncs>;
  failCommits: { remaining: number };
  /** Runs before each commit is recorded (a commit that takes time). */
  beforeCommit: { hook?: (page: PageCommit) => Promise<void> };
  newPoller(): Poller;
}

/** Resync requests as the Postgres queue keeps them: applied per entity. */
function memoryResyncs() {
  const requests: { id: string; entity?: string; since: Date | null }[] = [];
  const applied = new Map<string, string>();
  const failApplied = { remaining: 0 };
  const queue: ResyncQueue = {
    async pending(entity) {
      return requests.filter((r) => (r.entity === undefined || r.entity === entity) && !applied.has(`${r.id}:${entity}`)).map((r): PendingResync => ({ id: r.id, since: r.since }));
    },
    async applied(entity, ids, epoch) {
      if (failApplied.remaining > 0) {
        failApplied.remaining -= 1;
        throw new MlcError('MLC_DB_UNAVAILABLE', 'postgres gone');
      }
      for (const id of ids) if (!applied.has(`${id}:${entity}`)) applied.set(`${id}:${entity}`, epoch);
    },
  };
  return { queue, requests, applied, failApplied };
}

async function setup(
  t: TestContext,
  { pageSize = 5, sysproMapping = mapping, poll = {}, changeNumberWindow }: { pageSize?: number; sysproMapping?: SysproMapping; poll?: Partial<typeof POLL>; changeNumberWindow?: number } = {},
): Promise<Harness> {
  const sim = await startSysproSimulator({ sizes: SIZES, seed: 7 });
  t.after(() => sim.close());
  const odata = createSysproODataClient({
    baseUrl: `${sim.url}/SYSPRO8Odata/SYSPROOData`,
    company: 'EDU1',
    username: 'MLC',
    password: 'mlc-odata',
    pageSize,
  });
  const commits: PageCommit[] = [];
  const committed = new Map<string, PollCursor>();
  const stored = new Map<string, StoredCursor>();
  const hashes = new Map<string, string>();
  const resets: CursorReset[] = [];
  const resyncs = memoryResyncs();
  const failCommits = { remaining: 0 };
  const beforeCommit: Harness['beforeCommit'] = {};
  const publisher: PagePublisher = {
    async commit(page) {
      await beforeCommit.hook?.(page);
      if (failCommits.remaining > 0) {
        failCommits.remaining -= 1;
        throw new MlcError('MLC_KAFKA_UNAVAILABLE', 'broker gone');
      }
      commits.push(page);
      committed.set(page.stream, page.cursor);
      stored.set(page.stream, { cursor: page.cursor, epoch: page.epoch, resyncs: page.resyncs });
    },
    async reset(reset) {
      resets.push(reset);
      for (const { stream, cursor } of reset.cursors) {
        committed.set(stream, cursor);
        stored.set(stream, { cursor, epoch: reset.epoch, resyncs: reset.resyncs });
      }
    },
  };
  const hashStore: HashStore = {
    lastHashes: async (entity, epoch, keys) => new Map(keys.flatMap((k) => (hashes.has(`${epoch}|${entity}:${k}`) ? [[k, hashes.get(`${epoch}|${entity}:${k}`)!]] : []))),
    remember: async (entity, epoch, entries) => entries.forEach((e) => hashes.set(`${epoch}|${entity}:${e.key}`, e.contentHash)),
    forget: async (entity, epoch) => [...hashes.keys()].filter((k) => k.startsWith(`${epoch}|${entity}:`)).forEach((k) => hashes.delete(k)),
  };
  const forgetHash = (entity: string, key: string) => [...hashes.keys()].filter((k) => k.endsWith(`|${entity}:${key}`)).forEach((k) => hashes.delete(k));
  const newPoller = () =>
    createPoller({
      connection: 'acme',
      odata,
      cursors: { load: async () => new Map(stored) },
      publisher,
      hashes: hashStore,
      resyncs: resyncs.queue,
      mapping: sysproMapping,
      entities: planEntities({ ...POLL, ...poll }, sysproMapping),
      logger,
      pageSize,
      clock: () => new Date('2025-03-01T10:00:00Z'),
      ...(changeNumberWindow === undefined ? {} : { changeNumberWindow }),
    });
  return { sim, poller: newPoller(), commits, committed, stored, hashes, forgetHash, resets, resyncs, failCommits, beforeCommit, newPoller };
}

const published = (commits: readonly PageCommit[], entity: string) =>
  commits.filter((c) => c.entity === entity).flatMap((c) => c.events.map((e) => e.entity.key));

test('a first poll publishes every supplier once, page by page, each page with its advanced cursor', async (t) => {
  const h = await setup(t, { pageSize: 5 });
  const result = await h.poller.runOnce('supplier');

  assert.equal(result.status, 'ok');
  assert.equal(result.published, SIZES.suppliers);
  const keys = published(h.commits, 'supplier');
  assert.equal(new Set(keys).size, SIZES.suppliers);
  assert.equal(keys.length, SIZES.suppliers);
  // 12 rows at 5 a page: 3 transactions, cursors strictly increasing, the last at the newest row.
  assert.equal(h.commits.length, 3);
  const values = h.commits.map((c) => Number(c.cursor.value));
  assert.deepEqual([...values].sort((a, b) => a - b), values);
  const newest = Math.max(...h.sim.state.table('ApSupplier').slice(0, 1000).map((r) => Number(r.TimeStamp)));
  assert.equal(h.committed.get('supplier')?.value, String(newest));
  const event = h.commits[0]!.events[0]!;
  assert.equal(event.connection, 'acme');
  assert.equal(event.source, 'syspro');
  assert.equal(event.type, 'supplier.changed');
});

test('the next page is read while a page commits (same pages, same order)', async (t) => {
  const h = await setup(t, { pageSize: 5 });
  const supplierReads = () => h.sim.faults.requests().filter((r) => r.url.includes('/ApSupplier')).length;
  const readsDuringFirstCommit: number[] = [];
  h.beforeCommit.hook = async () => {
    if (readsDuringFirstCommit.length > 0) return;
    // Held until the second page's request reached the simulator (bounded, so a poller that reads
    // only after the commit fails the assertion below instead of hanging).
    for (let i = 0; i < 200 && supplierReads() < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    readsDuringFirstCommit.push(supplierReads());
  };
  const result = await h.poller.runOnce('supplier');
  assert.equal(result.status, 'ok');
  assert.ok(readsDuringFirstCommit[0]! >= 2, `OData reads while the first page committed: ${readsDuringFirstCommit[0]}`);
  assert.deepEqual(published(h.commits, 'supplier'), h.sim.state.table('ApSupplier').slice(0, 12).map((r) => r.Supplier));
  assert.equal(h.commits.length, 3);
});

test('a second poll without changes publishes nothing; a changed payment term republishes exactly that supplier', async (t) => {
  const h = await setup(t);
  await h.poller.runOnce('supplier');
  h.commits.length = 0;

  const again = await h.poller.runOnce('supplier');
  assert.equal(again.status, 'ok');
  assert.equal(again.published, 0);
  assert.deepEqual(published(h.commits, 'supplier'), []);

  const target = h.sim.state.table('ApSupplier').slice(3, 1)[0]!;
  const terms = target.TermsCode === 'N7' ? 'N9' : 'N7';
  h.sim.state.update('ApSupplier', [target.Supplier!], { TermsCode: terms });
  const changed = await h.poller.runOnce('supplier');
  assert.equal(changed.status, 'ok');
  assert.deepEqual(published(h.commits, 'supplier'), [String(target.Supplier).trim()]);
  const event = h.commits.flatMap((c) => c.events)[0]!;
  assert.equal((event.data as { paymentTerms?: string }).paymentTerms, terms);
});

test('a changed PO line republishes its whole order (header and every line), and nothing else', async (t) => {
  const h = await setup(t);
  const first = await h.poller.runOnce('purchase-order');
  assert.equal(first.status, 'ok');
  assert.equal(new Set(published(h.commits, 'purchase-order')).size, SIZES.purchaseOrders);
  h.commits.length = 0;

  const line = h.sim.state.table('PorMasterDetail').slice(0, 1)[0]!;
  const po = String(line.PurchaseOrder);
  const allLines = h.sim.state.table('PorMasterDetail').withPrefix([po]);
  h.sim.state.update('PorMasterDetail', [po, line.Line!], { MOrderQty: Number(line.MOrderQty) + 5 });

  const result = await h.poller.runOnce('purchase-order');
  assert.equal(result.status, 'ok');
  assert.deepEqual(published(h.commits, 'purchase-order'), [po.trim()]);
  const event = h.commits.flatMap((c) => c.events)[0]!;
  const lines = (event.data as { lines: { lineNumber: number; quantity: string }[] }).lines;
  assert.equal(lines.length, allLines.filter((l) => l.LineType !== '6').length);
  assert.equal(lines.find((l) => l.lineNumber === Number(line.Line))?.quantity, String(Number(line.MOrderQty) + 5));
});

interface InvoiceLineData {
  lineNumber: number;
  description: string;
  amount: string;
}
const invoiceLinesOf = (commits: readonly PageCommit[], key: string) =>
  (commits.flatMap((c) => c.events).find((e) => e.entity.type === 'invoice' && e.entity.key === key)!.data as { lines: InvoiceLineData[] }).lines;
const keyOfInvoice = (row: { Supplier?: unknown; Invoice?: unknown }) => invoiceKey({ supplierNumber: String(row.Supplier).trim(), number: String(row.Invoice).trim() });

test('a changed invoice line republishes exactly its invoice with the new line; unchanged invoices are not republished', async (t) => {
  const h = await setup(t, { sysproMapping: withInvoiceLines });
  const first = await h.poller.runOnce('invoice');
  assert.equal(first.status, 'ok');
  // The line stream re-reads every invoice the header stream published; the hashes keep it to once each.
  assert.equal(published(h.commits, 'invoice').length, SIZES.invoices);
  assert.ok(h.committed.has('invoice-lines'));
  h.commits.length = 0;
  const quiet = await h.poller.runOnce('invoice');
  assert.equal(quiet.status, 'ok');
  assert.equal(quiet.published, 0);

  // A line of the first invoice: its header is not the newest, which the header stream re-reads anyway.
  const line = h.sim.state.table('ApJnlDistrib').slice(0, 1)[0]!;
  const distributions = h.sim.state.table('ApJnlDistrib').withPrefix([line.Supplier!, line.Invoice!]);
  h.sim.state.update('ApJnlDistrib', [line.Supplier!, line.Invoice!, line.EntryNumber!], { DistrValue: 123.45 });
  const result = await h.poller.runOnce('invoice');

  assert.equal(result.status, 'ok');
  const key = keyOfInvoice(line);
  assert.deepEqual(published(h.commits, 'invoice'), [key]);
  assert.deepEqual(h.commits.filter((c) => c.events.length > 0).map((c) => c.stream), ['invoice-lines']);
  const lines = invoiceLinesOf(h.commits, key);
  assert.equal(lines.length, distributions.length);
  assert.equal(lines.find((l) => l.lineNumber === Number(line.EntryNumber))?.amount, '123.45');
});

test("a changed line of supplier A's invoice X does not republish supplier B's invoice X", async (t) => {
  const h = await setup(t, { sysproMapping: withInvoiceLines });
  const invoices = h.sim.state.table('ApInvoice').slice(0, 100);
  const a = invoices[0]!;
  const aLine = h.sim.state.table('ApJnlDistrib').withPrefix([a.Supplier!, a.Invoice!])[0]!;
  const otherSupplier = h.sim.state.table('ApSupplier').slice(0, 100).find((s) => s.Supplier !== a.Supplier && !invoices.some((i) => i.Supplier === s.Supplier))!;
  const { TimeStamp: _h, ...aHeader } = a;
  const { TimeStamp: _l, ...aLineColumns } = aLine;
  const b = h.sim.state.insert('ApInvoice', { ...aHeader, Supplier: otherSupplier.Supplier! });
  h.sim.state.insert('ApJnlDistrib', { ...aLineColumns, Supplier: b.Supplier!, EntryNumber: 1, DistrValue: 99.99, DistrDescription: "B's own line" });
  // Keep B out of each stream's re-read of its newest row (`ge`): make another invoice and line the newest.
  const newest = invoices[invoices.length - 1]!;
  h.sim.state.update('ApInvoice', [newest.Supplier!, newest.Invoice!], {});
  const newestLine = h.sim.state.table('ApJnlDistrib').withPrefix([newest.Supplier!, newest.Invoice!])[0]!;
  h.sim.state.update('ApJnlDistrib', [newestLine.Supplier!, newestLine.Invoice!, newestLine.EntryNumber!], {});

  assert.equal((await h.poller.runOnce('invoice')).status, 'ok');
  assert.equal(new Set(published(h.commits, 'invoice')).size, SIZES.invoices + 1);
  assert.deepEqual(invoiceLinesOf(h.commits, keyOfInvoice(b)).map((l) => l.description), ["B's own line"]);
  h.commits.length = 0;
  // Forget B's hash, as a changed mapping would: from here any re-read of B's invoice publishes it.
  h.forgetHash('invoice', keyOfInvoice(b));

  h.sim.state.update('ApJnlDistrib', [aLine.Supplier!, aLine.Invoice!, aLine.EntryNumber!], { DistrDescription: 'Changed in SYSPRO' });
  const result = await h.poller.runOnce('invoice');

  assert.equal(result.status, 'ok');
  assert.deepEqual(published(h.commits, 'invoice'), [keyOfInvoice(a)]);
  const lines = invoiceLinesOf(h.commits, keyOfInvoice(a));
  assert.equal(lines.length, h.sim.state.table('ApJnlDistrib').withPrefix([a.Supplier!, a.Invoice!]).length);
  assert.equal(lines.find((l) => l.lineNumber === Number(aLine.EntryNumber))?.description, 'Changed in SYSPRO');
  assert.ok(!lines.some((l) => l.description === "B's own line"));
});

test('without an invoice line set there is no invoice-lines stream: invoices are read from their headers alone', async (t) => {
  const plain = planEntities(POLL, mapping).find((p) => p.entity === 'invoice')!;
  assert.deepEqual(
    plain.streams.map((s) => [s.name, s.role, s.entitySet]),
    [['invoice', 'rows', 'ApInvoice']],
  );
  const withLines = planEntities(POLL, withInvoiceLines).find((p) => p.entity === 'invoice')!;
  assert.deepEqual(
    withLines.streams.map((s) => [s.name, s.role, s.entitySet, s.keyColumns, s.cursor]),
    [
      ['invoice', 'headers', 'ApInvoice', ['Supplier', 'Invoice'], { column: 'TimeStamp', kind: 'number' }],
      ['invoice-lines', 'lines', 'ApJnlDistrib', ['Supplier', 'Invoice', 'EntryNumber'], { column: 'TimeStamp', kind: 'number' }],
    ],
  );

  const h = await setup(t);
  assert.equal((await h.poller.runOnce('invoice')).status, 'ok');
  assert.deepEqual([...new Set(h.commits.map((c) => c.stream))], ['invoice']);
  assert.deepEqual([...h.committed.keys()], ['invoice']);
  // No lines read: each invoice carries one summary line.
  for (const key of published(h.commits, 'invoice')) assert.equal(invoiceLinesOf(h.commits, key).length, 1);
});

test('a failed Kafka commit leaves the cursor and hashes alone; the next poll publishes what was missed', async (t) => {
  const h = await setup(t, { pageSize: 5 });
  h.failCommits.remaining = 1;
  const failed = await h.poller.runOnce('gl-account');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, 'MLC_KAFKA_UNAVAILABLE');
  assert.equal(h.committed.has('gl-account'), false);
  assert.equal([...h.hashes.keys()].length, 0);

  const retried = await h.poller.runOnce('gl-account');
  assert.equal(retried.status, 'ok');
  assert.equal(new Set(published(h.commits, 'gl-account')).size, SIZES.glAccounts);
});

test('SYSPRO 500 and 401 fail the poll with their codes and move nothing; the next tick recovers', async (t) => {
  const h = await setup(t);
  // The HTTP layer retries a 500 (4 attempts); all of them fail here.
  h.sim.faults.add({ path: '/SYSPRO8Odata', status: 500, times: 4 });
  const down = await h.poller.runOnce('cost-centre');
  assert.equal(down.status, 'failed');
  assert.equal(down.error?.code, 'MLC_HTTP_SERVER_ERROR');
  assert.equal(down.error?.context.entity, 'cost-centre');
  assert.equal(h.commits.length, 0);

  h.sim.faults.add({ path: '/SYSPRO8Odata', status: 401, times: 1 });
  const refused = await h.poller.runOnce('cost-centre');
  assert.equal(refused.status, 'failed');
  assert.equal(refused.error?.code, 'MLC_AUTH_FAILED');
  assert.equal(h.commits.length, 0);

  const recovered = await h.poller.runOnce('cost-centre');
  assert.equal(recovered.status, 'ok');
  assert.equal(recovered.published, SIZES.costCentres);
});

test('an unmappable row is rejected with its key and reason; the rest is published and the cursor moves past it', async (t) => {
  const h = await setup(t);
  const bad = h.sim.state.table('PorMasterHdr').slice(2, 1)[0]!;
  h.sim.state.update('PorMasterHdr', [bad.PurchaseOrder!], { OrderStatus: '7' });

  const result = await h.poller.runOnce('purchase-order');
  assert.equal(result.status, 'ok');
  const rejected = h.commits.flatMap((c) => c.rejected);
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0]!.key, String(bad.PurchaseOrder).trim());
  assert.equal(rejected[0]!.error.code, 'MLC_MAPPING_FAILED');
  assert.equal(new Set(published(h.commits, 'purchase-order')).size, SIZES.purchaseOrders - 1);
  assert.equal(h.committed.get('purchase-order')?.value, String(h.sim.state.lastTimestamp()));
});

test('a restarted poller continues from the committed cursors and republishes nothing unchanged', async (t) => {
  const h = await setup(t);
  await h.poller.runOnce('invoice');
  const before = h.commits.length;
  const restarted = h.newPoller();
  const result = await restarted.runOnce('invoice');
  assert.equal(result.status, 'ok');
  // A rowversion cursor re-reads only the last row (`ge`), whose hash is known.
  assert.ok(result.rowsRead <= 1);
  assert.equal(result.published, 0);
  assert.ok(h.commits.length - before <= 1);
});

test('hashes belong to their epoch: a poller with no cursor (a new topic prefix) publishes everything, even with every hash known', async (t) => {
  const h = await setup(t);
  await h.poller.runOnce('supplier');
  const firstEpoch = h.stored.get('supplier')!.epoch;
  // A fresh set of topics: nothing in the cursor topic, the same hash table.
  h.stored.clear();
  h.commits.length = 0;
  const result = await h.newPoller().runOnce('supplier');
  assert.equal(result.published, SIZES.suppliers);
  assert.equal(new Set(published(h.commits, 'supplier')).size, SIZES.suppliers);
  const secondEpoch = h.stored.get('supplier')!.epoch;
  assert.notEqual(secondEpoch, firstEpoch);
  assert.ok(h.commits.every((c) => c.epoch === secondEpoch));
  // Restarted on that cursor state, it continues in its epoch: nothing new.
  assert.equal((await h.newPoller().runOnce('supplier')).published, 0);
});

test('a resync request: cursors moved back in a new epoch, every record republished once, marked applied; the cursor continues afterwards', async (t) => {
  const h = await setup(t);
  await h.poller.runOnce('purchase-order');
  const oldEpoch = h.stored.get('purchase-order')!.epoch;
  const positions = ['purchase-order', 'purchase-order-lines'].map((stream) => h.committed.get(stream)?.value);
  h.commits.length = 0;
  h.resyncs.requests.push({ id: '7', entity: 'purchase-order', since: null });

  const result = await h.poller.runOnce('purchase-order');
  assert.equal(result.status, 'ok');
  // Header and line streams reset together; each order published once (the hashes are the new epoch's).
  assert.equal(h.resets.length, 1);
  assert.deepEqual(h.resets[0]!.cursors.map((c) => [c.stream, c.cursor.value]), [['purchase-order', null], ['purchase-order-lines', null]]);
  assert.deepEqual(h.resets[0]!.resyncs, ['7']);
  const keys = published(h.commits, 'purchase-order');
  assert.equal(keys.length, SIZES.purchaseOrders);
  assert.equal(new Set(keys).size, SIZES.purchaseOrders);
  const newEpoch = h.resets[0]!.epoch;
  assert.notEqual(newEpoch, oldEpoch);
  assert.equal(h.resyncs.applied.get('7:purchase-order'), newEpoch);
  assert.equal([...h.hashes.keys()].some((k) => k.startsWith(`${oldEpoch}|`)), false, 'old epoch hashes dropped');
  assert.deepEqual(['purchase-order', 'purchase-order-lines'].map((stream) => h.committed.get(stream)?.value), positions, 'read to where it was');

  // Done: the next tick neither resets nor republishes; a new change is published as usual.
  h.commits.length = 0;
  const quiet = await h.poller.runOnce('purchase-order');
  assert.equal(quiet.published, 0);
  assert.equal(h.resets.length, 1);
  const other = await h.poller.runOnce('supplier');
  assert.equal(other.published, SIZES.suppliers, 'a request for one entity leaves the others alone');
  assert.equal(h.resets.length, 1);
});

test('a crash between the cursor reset and marking the request applied: the next leader only marks it, nothing is reset twice', async (t) => {
  const h = await setup(t);
  await h.poller.runOnce('gl-account');
  h.commits.length = 0;
  h.resyncs.requests.push({ id: '1', since: null });
  h.resyncs.failApplied.remaining = 1;
  const failed = await h.poller.runOnce('gl-account');
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, 'MLC_DB_UNAVAILABLE');
  assert.equal(h.resets.length, 1);

  const restarted = h.newPoller();
  const result = await restarted.runOnce('gl-account');
  assert.equal(result.status, 'ok');
  assert.equal(h.resets.length, 1, 'not reset again');
  assert.equal(h.resyncs.applied.get('1:gl-account'), h.resets[0]!.epoch);
  const keys = published(h.commits, 'gl-account');
  assert.equal(keys.length, SIZES.glAccounts);
  assert.equal(new Set(keys).size, SIZES.glAccounts);
});

test('more future-dated rows than a page: the poll pages past them (no loop), publishes each once, and no commit moves the cursor past now + skew', async (t) => {
  const byChangeDate = { entities: { supplier: { enabled: true, cursorColumn: 'DateLastChanged', cursorKind: 'datetime' as const } } };
  const h = await setup(t, { pageSize: 5, poll: byChangeDate });
  const now = Date.parse('2025-03-01T10:00:00Z');
  for (let n = 1; n <= 7; n += 1) h.sim.state.update('ApSupplier', [`S00000${n}`.slice(-7)], { DateLastChanged: `2099-01-0${n}T00:00:00` });

  const first = await h.poller.runOnce('supplier');
  assert.equal(first.status, 'ok');
  assert.equal(first.published, SIZES.suppliers);
  assert.equal(first.future, 7);
  const supplierCommits = h.commits.filter((c) => c.entity === 'supplier');
  for (const c of supplierCommits) assert.ok(Date.parse(`${c.cursor.value}Z`) <= now + 300_000, `committed ${c.cursor.value}`);
  assert.equal(h.committed.get('supplier')?.value, '2025-03-01T10:00:00.000');

  // The next poll reads them again from an overlap before now: nothing republished, still counted.
  const second = await h.poller.runOnce('supplier');
  assert.equal(second.status, 'ok');
  assert.equal(second.published, 0);
  assert.equal(second.future, 7);
});

test('the change-number window: a quiet poll re-reads it over several pages without mapping or committing anything; a late commit below the cursor is published and the cursor does not move back', async (t) => {
  const h = await setup(t, { pageSize: 5, changeNumberWindow: 100 });
  assert.equal((await h.poller.runOnce('supplier')).published, SIZES.suppliers);
  const loaded = h.commits.length;
  const top = h.committed.get('supplier')!.value;

  const quiet = await h.poller.runOnce('supplier');
  assert.equal(quiet.published, 0);
  assert.equal(quiet.rowsRead, SIZES.suppliers, 'the window covers every seeded supplier');
  assert.equal(quiet.unchanged, 0, 'rows already handled at their TimeStamp are not even mapped');
  assert.equal(h.commits.length, loaded, 'no cursor moved back and forth');

  // A transaction takes its TimeStamp, a later one commits and is polled, then the first commits.
  const early = h.sim.state.nextStamp();
  h.sim.state.update('ApSupplier', ['S000009'], { SupplierName: 'Committed First Ltd' });
  assert.equal((await h.poller.runOnce('supplier')).published, 1);
  const after = h.committed.get('supplier')!.value;
  assert.ok(Number(after) > Number(top));
  h.sim.state.update('ApSupplier', ['S000002'], { SupplierName: 'Committed Late Ltd' }, early);
  const late = await h.poller.runOnce('supplier');
  assert.equal(late.published, 1);
  assert.equal(published(h.commits.slice(loaded), 'supplier').join(','), 'S000009,S000002');
  assert.equal(h.committed.get('supplier')!.value, after, 'the cursor stays at the newest TimeStamp');
});

test('after a restart the change-number window is mapped once and dropped by content hash; a resync republishes rows the window already handled', async (t) => {
  const h = await setup(t, { pageSize: 5, changeNumberWindow: 100 });
  assert.equal((await h.poller.runOnce('supplier')).published, SIZES.suppliers);
  await h.poller.stop();
  const restarted = h.newPoller();
  const first = await restarted.runOnce('supplier');
  assert.equal(first.published, 0);
  assert.equal(first.unchanged, SIZES.suppliers);
  h.resyncs.requests.push({ id: 'r1', entity: 'supplier', since: null });
  assert.equal((await restarted.runOnce('supplier')).published, SIZES.suppliers);
  await restarted.stop();
});
