import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Registry } from 'prom-client';
import { auditDatabaseUrl, registerReconcileMetrics } from '@mlc/audit';
import { loadEnv } from '@mlc/config';
import { createLogger } from '@mlc/log';
import { MlcEnv, createMlcDeps, parseCommand, runCommand } from '@mlc/mlc';
import { waitFor } from '@mlc/testing';
import { startPipeline, type Row } from './pipeline.js';

// Issue 17's proof, on the real stack between the sandbox simulators: syspro-poller, coupa-writer
// and audit as child processes; `mlc reconcile` run through the CLI's own parse-and-run modules.
// Four kinds of drift the incremental sync cannot see — a supplier deleted in SYSPRO, a supplier
// edited by hand in Coupa, a PO line removed in SYSPRO, a supplier whose event was discarded from
// the DLQ — are each found with the right category and fields, repaired through the pipeline
// (the writer's outcomes name the reconcile action), shown with their reason in the trail, and a
// second reconcile finds no drift.

const SIZES = { suppliers: 6, purchaseOrders: 3, maxLinesPerOrder: 4, invoices: 0, maxDistributionsPerInvoice: 1, glAccounts: 4, costCentres: 2 };
const DISCARDED = 'REC-900';
const COMMENT_LINE = '6';
const trim = (value: unknown) => String(value ?? '').trim();

interface Report {
  compared: { source: number; target: number };
  identical: number;
  deactivated: number;
  drift: { key: string; category: string; repair: string; reason: string; fields: { field: string; source: unknown; target: unknown }[] }[];
  unmappable: unknown[];
  published: { republish: number; deactivate: number };
  actionId?: string;
}

test('reconcile finds a deleted supplier, a hand edit in Coupa, a removed PO line and a discarded event; --repair fixes them through the pipeline; then no drift', { timeout: 300_000 }, async (t) => {
  const p = await startPipeline(t, { sizes: SIZES, pageSize: 10 });
  const db = new pg.Pool({ connectionString: p.mlcEnv.DATABASE_URL, max: 2 });
  const deps = createMlcDeps({ env: loadEnv(p.mlcEnv, MlcEnv), logger: createLogger({ name: 'e2e-mlc', level: 'silent' }), processEnv: {} });
  t.after(async () => {
    await deps.close();
    await db.end();
  });
  const show = process.env.MLC_E2E_SHOW_OUTPUT !== undefined;
  async function mlc<T = Row>(tc: TestContext, args: string[]): Promise<T> {
    const output = await runCommand(deps, parseCommand(args, { now: new Date(), user: 'e2e-operator' }));
    if (show) tc.diagnostic(`$ mlc ${args.join(' ')}\n${output.text}`);
    return output.json as T;
  }
  const reconcile = (tc: TestContext, entity: string, ...extra: string[]) => mlc<Report>(tc, ['reconcile', '--connection', p.connection, '--entity', entity, ...extra]);
  const audit = async <T extends Row>(sql: string, params: unknown[] = []) => (await db.query<T>(sql.replaceAll('audit_', `${p.auditSchema}.audit_`), params)).rows;
  const coupaSupplier = async (number: string) => (await p.coupaRows('suppliers')).find((s) => s.number === number);

  const [suppliers, pos] = await Promise.all([p.sysproRows('suppliers'), p.sysproRows('purchase-orders')]);
  const goods = (po: Row) => (po.lines as Row[]).filter((l) => trim(l.LineType) !== COMMENT_LINE);
  const po = pos.find((o) => goods(o).length >= 2);
  assert.ok(po, 'a purchase order with two goods lines (seed 7)');
  const poNumber = trim(po.PurchaseOrder);
  const removedLine = goods(po).at(-1)!;
  const removedLineNumber = Number(removedLine.Line);
  const ordered = new Set(pos.map((o) => trim(o.Supplier)));
  const unordered = suppliers.map((s) => trim(s.Supplier)).filter((s) => !ordered.has(s));
  assert.ok(unordered.length >= 2, 'two suppliers without orders (seed 7)');
  const [deleted, edited] = unordered as [string, string];

  await p.startAudit();
  p.startPoller();
  await waitFor(async () => ((await p.published()).supplier ?? 0) >= suppliers.length && ((await p.published())['purchase-order'] ?? 0) >= pos.length, {
    timeoutMs: 90_000,
    message: 'the poller published every supplier and order',
  });
  p.startWriter();
  await waitFor(async () => (await p.coupaRows('suppliers')).length >= suppliers.length && (await p.coupaRows('purchase_orders')).length >= pos.length, {
    timeoutMs: 120_000,
    message: 'Coupa holds every supplier and order',
  });
  await p.writerCaughtUp();

  await t.test('in sync after the backfill: nothing to report', async (st) => {
    for (const entity of ['supplier', 'purchase-order']) {
      const report = await reconcile(st, entity);
      assert.deepEqual(report.drift, [], `${entity}: no drift`);
      assert.deepEqual(report.unmappable, []);
      assert.equal(report.identical, report.compared.source);
      assert.equal(report.compared.source, report.compared.target);
    }
  });

  await t.test('each drift is found with its category and fields, repaired through the pipeline, with its reason in the trail', async (st) => {
    // A supplier whose event was discarded: Coupa refused it, an operator discarded the DLQ entry.
    await p.fault('coupa', { path: '/api/suppliers', method: 'POST', status: 422 });
    await p.sysproPost('suppliers', { Supplier: DISCARDED, SupplierName: 'Gamma Tooling', TermsCode: '30', Currency: '' });
    const entries = await waitFor(
      async () => {
        const { entries: found } = await mlc<{ entries: Row[] }>(st, ['dlq', 'list', '--writer', 'coupa-writer', '--connection', p.connection]);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 90_000, message: `${DISCARDED} in the DLQ` },
    );
    await mlc(st, ['dlq', 'discard', String(entries[0]!.id), '--reason', 'e2e: dropped by mistake']);
    await fetch(`${p.coupa.url}/_sandbox/faults`, { method: 'DELETE' });
    // A supplier deleted in SYSPRO, a line removed from an order in SYSPRO: nothing tells the poller.
    await fetch(`${p.syspro.url}/_sandbox/suppliers/${encodeURIComponent(deleted)}`, { method: 'DELETE' }).then((r) => assert.equal(r.status, 200));
    await fetch(`${p.syspro.url}/_sandbox/purchase-orders/${encodeURIComponent(poNumber)}/lines/${removedLineNumber}`, { method: 'DELETE' }).then((r) => assert.equal(r.status, 200));
    // A supplier edited by hand in Coupa.
    const before = (await coupaSupplier(edited))!;
    const res = await fetch(`${p.coupa.url}/_sandbox/suppliers/${String(before.id)}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed By Hand', 'tax-id': 'HAND-1' }),
    });
    assert.equal(res.status, 200);
    await p.writerCaughtUp();

    const suppliersReport = await reconcile(st, 'supplier');
    const byKey = new Map(suppliersReport.drift.map((d) => [d.key, d]));
    assert.deepEqual([...byKey.keys()].sort(), [DISCARDED, deleted, edited].sort(), 'exactly the three drifted suppliers');
    assert.equal(byKey.get(DISCARDED)!.category, 'source-only');
    assert.equal(byKey.get(DISCARDED)!.repair, 'republish');
    assert.equal(byKey.get(deleted)!.category, 'target-only');
    assert.equal(byKey.get(deleted)!.repair, 'deactivate');
    const edit = byKey.get(edited)!;
    assert.equal(edit.category, 'different');
    const sysproEdited = suppliers.find((s) => trim(s.Supplier) === edited)!;
    assert.deepEqual(
      edit.fields.filter((f) => f.field === 'name' || f.field === 'taxId').map((f) => [f.field, f.source, f.target]),
      [
        ['name', trim(sysproEdited.SupplierName), 'Renamed By Hand'],
        ['taxId', trim(sysproEdited.TaxRegnNum) || null, 'HAND-1'],
      ],
    );
    assert.equal(suppliersReport.identical, suppliers.length - 2);

    const poReport = await reconcile(st, 'purchase-order');
    assert.deepEqual(
      poReport.drift.map((d) => [d.key, d.category, d.fields.map((f) => [f.field, f.source === null, f.target === null])]),
      [[poNumber, 'different', [[`lines.${removedLineNumber}`, true, false]]]],
      'the removed line: in Coupa only',
    );

    const dry = await reconcile(st, 'supplier', '--repair', '--dry-run');
    assert.deepEqual(dry.published, { republish: 2, deactivate: 1 });
    assert.equal(dry.actionId, undefined, 'a dry run records nothing');

    const repaired = await reconcile(st, 'supplier', '--repair');
    assert.deepEqual(repaired.published, { republish: 2, deactivate: 1 });
    const poRepaired = await reconcile(st, 'purchase-order', '--repair');
    assert.deepEqual(poRepaired.published, { republish: 1, deactivate: 0 });

    // The writer applies them as any change: outcomes naming the reconcile action.
    const outcomes = await waitFor(
      async () => {
        const rows = await audit<{ key: string; status: string; replay: string }>(
          `select entity_key as key, status, payload->'replay'->>'id' as replay from audit_outcomes
           where connection = $1 and payload->'replay'->>'id' in ($2, $3) order by 1`,
          [p.connection, repaired.actionId, poRepaired.actionId],
        );
        return rows.length >= 4 ? rows : undefined;
      },
      { timeoutMs: 90_000, message: 'the coupa-writer applied the repairs' },
    );
    assert.deepEqual(
      outcomes.map((o) => [o.key, o.status]),
      [
        [DISCARDED, 'created'],
        [deleted, 'updated'],
        [edited, 'updated'],
        [poNumber, 'updated'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    assert.equal((await coupaSupplier(deleted))!.status, 'inactive', 'deactivated in Coupa');
    assert.equal((await coupaSupplier(edited))!.name, trim(sysproEdited.SupplierName), 'the hand edit undone');
    assert.ok(await coupaSupplier(DISCARDED), 'the discarded supplier is in Coupa');
    const coupaPo = (await p.coupaRows('purchase_orders')).find((o) => o['po-number'] === poNumber)!;
    assert.deepEqual(
      (coupaPo['order-lines'] as Row[]).map((l) => Number(l['line-num'])).sort((a, b) => a - b),
      goods(po).map((l) => Number(l.Line)).filter((n) => n !== removedLineNumber).sort((a, b) => a - b),
      'the removed line is deleted in Coupa',
    );

    // The trail of each record says why it was touched, and by whom.
    for (const [key, entity, why] of [
      [deleted, 'supplier', 'gone from SYSPRO.*deactivate in Coupa \\(published\\)'],
      [edited, 'supplier', 'differs in name'],
      [DISCARDED, 'supplier', 'missing in Coupa'],
      [poNumber, 'purchase-order', `differs in lines.${removedLineNumber}`],
    ] as const) {
      const { items } = await mlc<{ items: Row[] }>(st, ['trail', '--connection', p.connection, '--entity', entity, '--key', key]);
      const actions = items.filter((i) => i.kind === 'action' && i.action === 'reconcile');
      assert.equal(actions.length, 2, `the reconcile that found ${key} and the one that repaired it`);
      assert.match(String(actions[0]!.reason), /\(not repaired: reported\)$/);
      const action = actions[1]!;
      assert.equal(String(action.actionId), entity === 'supplier' ? repaired.actionId : poRepaired.actionId);
      assert.equal(action.actor, 'e2e-operator');
      assert.match(String(action.reason), new RegExp(why), `the reason of ${key}`);
    }
  });

  await t.test('a second reconcile reports no drift', async (st) => {
    await p.writerCaughtUp();
    const report = await reconcile(st, 'supplier');
    assert.deepEqual(report.drift, []);
    assert.equal(report.deactivated, 1, 'the deleted supplier is inactive in Coupa, as a deletion should leave it');
    assert.deepEqual((await reconcile(st, 'purchase-order')).drift, []);

    // What the audit service exports from the log: the last run per entity (no drift now).
    const auditDb = new pg.Pool({ connectionString: auditDatabaseUrl(p.mlcEnv.DATABASE_URL!, p.auditSchema), max: 1 });
    st.after(() => auditDb.end());
    const registry = new Registry();
    registerReconcileMetrics(registry, { db: auditDb, logger: createLogger({ name: 'e2e-metrics', level: 'silent' }) });
    const metrics = await registry.metrics();
    assert.match(metrics, new RegExp(`mlc_reconcile_records_compared\\{connection="${p.connection}",entity="supplier",side="target"\\} ${report.compared.target}`));
    assert.match(metrics, new RegExp(`mlc_reconcile_drift_records\\{connection="${p.connection}",entity="purchase-order",category="different"\\} 0`));
  });
});
