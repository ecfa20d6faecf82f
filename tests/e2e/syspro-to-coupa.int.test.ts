import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@mlc/testing';
import { startPipeline, type Pipeline, type Row } from './pipeline.js';

// Issue 4's proof: SYSPRO simulator → syspro-poller → Kafka → coupa-writer → Coupa simulator, both
// services as child processes running their main.ts. Assertions compare the Coupa simulator's
// state with the SYSPRO simulator's.

const SMALL = { suppliers: 8, purchaseOrders: 5, maxLinesPerOrder: 3, invoices: 5, maxDistributionsPerInvoice: 2, glAccounts: 6, costCentres: 3 };
const COMMENT_LINE = '6';
const trim = (value: unknown) => String(value ?? '').trim();
const byKey = <T extends Row>(rows: T[], key: (row: T) => string) => new Map(rows.map((r) => [key(r), r]));
const goodsLines = (po: Row) => (po.lines as Row[]).filter((l) => trim(l.LineType) !== COMMENT_LINE);

interface Expected {
  suppliers: number;
  lookupValues: number;
  purchaseOrders: number;
  invoices: number;
}

async function expectedCounts(p: Pipeline, excludedPos: ReadonlySet<string> = new Set()): Promise<Expected> {
  const [suppliers, gl, cc, pos, invoices] = await Promise.all(
    ['suppliers', 'gl-accounts', 'cost-centres', 'purchase-orders', 'invoices'].map((r) => p.sysproRows(r)),
  );
  return {
    suppliers: suppliers!.length,
    lookupValues: gl!.length + cc!.length,
    purchaseOrders: pos!.filter((po) => !excludedPos.has(trim(po.PurchaseOrder))).length,
    invoices: invoices!.length,
  };
}

/**
 * Waits until the poller has published every SYSPRO record. The writer starts after that: its
 * consumer runtime retries a waiting PO in place inside kafkajs's per-broker fetch loop, so a
 * supplier published after the writer's fetch cannot arrive until the PO gives up (see the report
 * of issue 4); with the backfill in Kafka first, dependencies arrive in the same fetch.
 */
async function backfilled(p: Pipeline, expected: Expected, extraPos = 0): Promise<void> {
  await waitFor(
    async () => {
      const n = await p.published();
      return (
        (n.supplier ?? 0) >= expected.suppliers &&
        (n['purchase-order'] ?? 0) >= expected.purchaseOrders + extraPos &&
        (n.invoice ?? 0) >= expected.invoices &&
        (n['gl-account'] ?? 0) + (n['cost-centre'] ?? 0) >= expected.lookupValues
      );
    },
    { timeoutMs: 90_000, intervalMs: 200, message: `the poller published ${JSON.stringify(expected)}` },
  );
}

/** Waits until Coupa holds at least the expected number of each record, and returns its state. */
async function landed(p: Pipeline, expected: Expected, timeoutMs = 120_000) {
  return waitFor(
    async () => {
      const [suppliers, lookupValues, purchaseOrders, invoices] = await Promise.all(
        ['suppliers', 'lookup_values', 'purchase_orders', 'invoices'].map((r) => p.coupaRows(r)),
      );
      const done =
        suppliers!.length >= expected.suppliers &&
        lookupValues!.length >= expected.lookupValues &&
        purchaseOrders!.length >= expected.purchaseOrders &&
        invoices!.length >= expected.invoices;
      return done ? { suppliers: suppliers!, lookupValues: lookupValues!, purchaseOrders: purchaseOrders!, invoices: invoices! } : undefined;
    },
    { timeoutMs, intervalMs: 250, message: `Coupa holds ${JSON.stringify(expected)}` },
  );
}

/** No natural key twice in Coupa: every record exactly once. */
function assertNoDuplicates(state: Awaited<ReturnType<typeof landed>>, expected: Expected) {
  const unique = (rows: Row[], key: (r: Row) => string) => new Set(rows.map(key)).size;
  assert.equal(state.suppliers.length, expected.suppliers, 'suppliers in Coupa');
  assert.equal(unique(state.suppliers, (s) => String(s.number)), expected.suppliers, 'no supplier twice');
  assert.equal(state.lookupValues.length, expected.lookupValues, 'lookup values in Coupa');
  assert.equal(unique(state.lookupValues, (v) => `${(v.lookup as Row).name}:${String(v['external-ref-num'])}`), expected.lookupValues);
  assert.equal(state.purchaseOrders.length, expected.purchaseOrders, 'purchase orders in Coupa');
  assert.equal(unique(state.purchaseOrders, (po) => String(po['po-number'])), expected.purchaseOrders, 'no PO twice');
  assert.equal(state.invoices.length, expected.invoices, 'invoices in Coupa');
  assert.equal(unique(state.invoices, (i) => `${String((i.supplier as Row).number)}/${String(i['invoice-number'])}`), expected.invoices, 'no invoice twice');
}

test('everything lands with the right fields; a change rewrites only those records; an unmappable row goes to the DLQ', async (t) => {
  const p = await startPipeline(t, { sizes: SMALL, pageSize: 4 });
  const pos = await p.sysproRows('purchase-orders');
  // A PO line without a GL code: the Coupa mapping cannot code it to an account.
  const bad = pos.at(-1)!;
  const badPo = trim(bad.PurchaseOrder);
  const badLine = goodsLines(bad)[0]!;
  await p.sysproPatch(`purchase-orders/${badPo}/lines/${String(badLine.Line)}`, { MGlCode: '' });

  const expected = await expectedCounts(p, new Set([badPo]));
  p.startPoller();
  await backfilled(p, expected, 1);
  p.startWriter();
  const state = await landed(p, expected);
  assertNoDuplicates(state, expected);

  const [suppliers, gl, cc, sysproPos, invoices] = await Promise.all(
    ['suppliers', 'gl-accounts', 'cost-centres', 'purchase-orders', 'invoices'].map((r) => p.sysproRows(r)),
  );
  const coupaSuppliers = byKey(state.suppliers, (s) => String(s.number));
  for (const s of suppliers!) {
    const c = coupaSuppliers.get(trim(s.Supplier));
    assert.ok(c, `supplier ${trim(s.Supplier)} in Coupa`);
    assert.equal(c.name, trim(s.SupplierName));
    assert.equal((c['payment-term'] as Row | undefined)?.code, trim(s.TermsCode) || undefined, `payment term of ${trim(s.Supplier)}`);
    assert.equal(c['tax-id'] ?? '', trim(s.TaxRegnNum));
    assert.equal(c['on-hold'], trim(s.OnHold) === 'Y');
    assert.equal(c.status, 'active');
  }
  const valuesOf = (lookup: string) =>
    state.lookupValues.filter((v) => (v.lookup as Row).name === lookup).map((v) => String(v['external-ref-num'])).sort();
  assert.deepEqual(valuesOf('GL Accounts'), gl!.map((r) => trim(r.GlCode)).sort());
  assert.deepEqual(valuesOf('Cost Centres'), cc!.map((r) => trim(r.CostCentre)).sort());

  const coupaPos = byKey(state.purchaseOrders, (po) => String(po['po-number']));
  for (const po of sysproPos!.filter((x) => trim(x.PurchaseOrder) !== badPo)) {
    const c = coupaPos.get(trim(po.PurchaseOrder));
    assert.ok(c, `PO ${trim(po.PurchaseOrder)} in Coupa`);
    assert.equal((c.supplier as Row).number, trim(po.Supplier));
    const lines = byKey(c['order-lines'] as Row[], (l) => String(l['line-num']));
    const sourceLines = goodsLines(po);
    assert.equal(lines.size, sourceLines.length, `lines of PO ${trim(po.PurchaseOrder)}`);
    for (const l of sourceLines) {
      const cl = lines.get(String(l.Line));
      assert.ok(cl, `PO ${trim(po.PurchaseOrder)} line ${String(l.Line)}`);
      assert.equal(Number(cl.quantity), Number(l.MOrderQty));
      assert.equal(Number(cl.price), Number(l.MPrice));
      assert.equal((cl.account as Row).code, trim(l.MGlCode));
    }
  }
  const coupaInvoices = byKey(state.invoices, (i) => `${String((i.supplier as Row).number)}/${String(i['invoice-number'])}`);
  for (const inv of invoices!) {
    const c = coupaInvoices.get(`${trim(inv.Supplier)}/${trim(inv.Invoice)}`);
    assert.ok(c, `invoice ${trim(inv.Supplier)}/${trim(inv.Invoice)} in Coupa`);
    const lineTotal = (c['invoice-lines'] as Row[]).reduce((sum, l) => sum + Number(l.total), 0);
    assert.equal(lineTotal.toFixed(2), Number(inv.OrigInvValue).toFixed(2), 'invoice lines add up to the SYSPRO value');
  }

  const [dead] = await waitFor(async () => {
    const messages = await p.readTopic('coupa-writer.dlq.v1');
    return messages.length > 0 ? messages : undefined;
  }, { message: 'the unmappable PO in the DLQ' });
  assert.equal((await p.readTopic('coupa-writer.dlq.v1')).length, 1, 'only the unmappable PO is dead-lettered');
  assert.ok(Object.values(dead!.headers ?? {}).some((v) => v?.toString() === 'MLC_MAPPING_FAILED'), `DLQ headers name the code: ${JSON.stringify(dead!.headers)}`);
  assert.match(String(dead!.key), new RegExp(badPo));

  // One supplier's payment terms and one PO line change in SYSPRO: exactly those two records are
  // rewritten in Coupa, by one PUT each.
  await p.writerCaughtUp();
  await p.clearCoupaCalls();
  const supplier = suppliers![0]!;
  const terms = ['30', '45', '60', 'EM'].find((code) => code !== trim(supplier.TermsCode))!;
  const po = sysproPos!.find((x) => trim(x.PurchaseOrder) !== badPo)!;
  const line = goodsLines(po)[0]!;
  const quantity = Number(line.MOrderQty) + 7;
  await p.sysproPatch(`suppliers/${trim(supplier.Supplier)}`, { TermsCode: terms });
  await p.sysproPatch(`purchase-orders/${trim(po.PurchaseOrder)}/lines/${String(line.Line)}`, { MOrderQty: quantity });

  await waitFor(
    async () => {
      const s = (await p.coupaRows('suppliers')).find((x) => x.number === trim(supplier.Supplier));
      const c = (await p.coupaRows('purchase_orders')).find((x) => x['po-number'] === trim(po.PurchaseOrder));
      const cl = (c?.['order-lines'] as Row[] | undefined)?.find((l) => String(l['line-num']) === String(line.Line));
      return (s?.['payment-term'] as Row | undefined)?.code === terms && Number(cl?.quantity) === quantity;
    },
    { timeoutMs: 60_000, message: 'the changed payment terms and PO line in Coupa' },
  );
  await p.writerCaughtUp();
  const writes = (await p.coupaCalls()).filter((c) => c.method !== 'GET');
  const supplierId = String(coupaSuppliers.get(trim(supplier.Supplier))!.id);
  const poId = String(coupaPos.get(trim(po.PurchaseOrder))!.id);
  assert.deepEqual(
    writes.map((w) => `${w.method} ${w.url}`).sort(),
    [`PUT /api/purchase_orders/${poId}`, `PUT /api/suppliers/${supplierId}`].sort(),
    'only the two changed records were written',
  );
  const after = await p.coupaRows('purchase_orders');
  const changed = after.find((x) => String(x.id) === poId)!;
  assert.equal((changed['order-lines'] as Row[]).length, goodsLines(po).length, 'the PO line was updated, not added');
});

test('kill -9 of the poller mid-poll and the writer mid-batch: after restarts no record is missing or duplicated', async (t) => {
  const p = await startPipeline(t, { sizes: { ...SMALL, suppliers: 40, purchaseOrders: 10 }, pageSize: 3 });
  // Slow SYSPRO pages, so the poller is killed between pages (and Kafka transactions) of one poll.
  await p.fault('syspro', { path: '/SYSPRO8Odata', latencyMs: 150 });
  const expected = await expectedCounts(p);

  const poller = p.startPoller();
  await waitFor(async () => ((await p.published()).supplier ?? 0) >= 6, { timeoutMs: 60_000, message: 'the first supplier pages published' });
  await p.kill(poller);
  assert.ok(((await p.published()).supplier ?? 0) < expected.suppliers, 'the poller was killed mid-poll');
  p.startPoller();
  await backfilled(p, expected);

  const writer = p.startWriter();
  await waitFor(async () => (await p.coupaRows('suppliers')).length >= 5, { timeoutMs: 90_000, message: 'the first suppliers in Coupa' });
  await p.kill(writer);
  assert.ok((await p.coupaRows('suppliers')).length < expected.suppliers, 'the writer was killed mid-batch');
  p.startWriter();
  assertNoDuplicates(await landed(p, expected), expected);
  assert.deepEqual(await p.readTopic('coupa-writer.dlq.v1'), [], 'nothing was given up');
});

test('10% 5xx, 429 bursts with Retry-After and tokens expired mid-run: every record lands exactly once', async (t) => {
  const p = await startPipeline(t, { sizes: SMALL });
  // The simulator applies the first matching rule: each 429 burst goes before the 5xx rate.
  const faults = async () => {
    await fetch(`${p.coupa.url}/_sandbox/faults`, { method: 'DELETE' });
    await p.fault('coupa', { path: '/api', status: 429, retryAfterSeconds: 1, times: 6 });
    await p.fault('coupa', { path: '/api', status: 503, rate: 0.1 });
  };
  await faults();
  const expected = await expectedCounts(p);

  p.startPoller();
  await backfilled(p, expected);
  p.startWriter();
  await waitFor(async () => (await p.coupaRows('suppliers')).length >= 3, { timeoutMs: 90_000, message: 'the first suppliers in Coupa' });
  await fetch(`${p.coupa.url}/_sandbox/tokens/expire`, { method: 'POST' });
  await faults();

  assertNoDuplicates(await landed(p, expected), expected);
  const calls = await p.coupaCalls();
  assert.ok(calls.some((c) => c.status === 401), 'the expired token was refused at least once');
  assert.ok(calls.filter((c) => c.status === 429).length >= 12, 'both 429 bursts were answered');
  assert.ok(calls.some((c) => c.status === 503), 'some 5xx were injected');
  assert.deepEqual(await p.readTopic('coupa-writer.dlq.v1'), [], 'nothing was given up');
});
