import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { loadEnv } from '@mlc/config';
import { createLogger } from '@mlc/log';
import { MlcEnv, createMlcDeps, parseCommand, runCommand } from '@mlc/mlc';
import { waitFor } from '@mlc/testing';
import { startPipeline, type Row } from './pipeline.js';

// `mlc reconcile --since` on the real stack between the sandbox simulators, the connection's
// supplier cursor on SYSPRO's DateLastChanged (a datetime): each side reads only what changed
// since the time, the other side's record of each such key is looked up by key. A supplier
// edited in Coupa before the time is not read; one created after it is compared (identical), one
// edited in Coupa after it is different, and one deleted in SYSPRO and edited in Coupa after it is
// in Coupa only (SYSPRO was asked for it by key and has none).

const SIZES = { suppliers: 6, purchaseOrders: 0, maxLinesPerOrder: 1, invoices: 0, maxDistributionsPerInvoice: 1, glAccounts: 2, costCentres: 1 };
const CREATED = 'SINCE-1';
const trim = (value: unknown) => String(value ?? '').trim();

interface Report {
  since?: string;
  compared: { source: number; target: number };
  identical: number;
  drift: { key: string; category: string; repair: string; fields: { field: string; source: unknown; target: unknown }[] }[];
  actionId?: string;
}

test('reconcile --since compares exactly the keys either side changed since the time', { timeout: 300_000 }, async (t) => {
  const p = await startPipeline(t, { sizes: SIZES, pageSize: 10, sysproPollEntities: { supplier: { cursorColumn: 'DateLastChanged', cursorKind: 'datetime' } } });
  const db = new pg.Pool({ connectionString: p.mlcEnv.DATABASE_URL, max: 2 });
  const deps = createMlcDeps({ env: loadEnv(p.mlcEnv, MlcEnv), logger: createLogger({ name: 'e2e-mlc', level: 'silent' }), processEnv: {} });
  t.after(async () => {
    await deps.close();
    await db.end();
  });
  const reconcile = async (...extra: string[]) =>
    (await runCommand(deps, parseCommand(['reconcile', '--connection', p.connection, '--entity', 'supplier', ...extra], { now: new Date(), user: 'e2e-operator' }))).json as Report;
  const coupaSupplier = async (number: string) => (await p.coupaRows('suppliers')).find((s) => s.number === number);
  const handEdit = async (number: string, body: Row) => {
    const res = await fetch(`${p.coupa.url}/_sandbox/suppliers/${String((await coupaSupplier(number))!.id)}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
  };

  const suppliers = (await p.sysproRows('suppliers')).map((s) => trim(s.Supplier));
  const [before, edited, deleted] = suppliers as [string, string, string];
  await p.startAudit();
  p.startPoller();
  p.startWriter();
  await waitFor(async () => (await p.coupaRows('suppliers')).length >= suppliers.length, { timeoutMs: 120_000, message: 'Coupa holds every supplier' });
  await p.writerCaughtUp();

  // Drift from before the time: --since does not read it.
  await handEdit(before, { name: 'Edited Before' });
  // The time: the next whole second (both vendors stamp changes in whole seconds).
  const since = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000);
  await waitFor(async () => Date.now() >= since.getTime() + 1, { timeoutMs: 5_000, message: 'the time has passed' });

  await p.sysproPost('suppliers', { Supplier: CREATED, SupplierName: 'Since Tooling', TermsCode: '30', Currency: '' });
  await handEdit(edited, { name: 'Edited After' });
  await fetch(`${p.syspro.url}/_sandbox/suppliers/${encodeURIComponent(deleted)}`, { method: 'DELETE' }).then((r) => assert.equal(r.status, 200));
  await handEdit(deleted, { name: 'Deleted In SYSPRO' });
  await waitFor(async () => (await coupaSupplier(CREATED)) !== undefined, { timeoutMs: 90_000, message: `${CREATED} synced to Coupa` });
  await p.writerCaughtUp();

  const report = await reconcile('--since', since.toISOString());
  assert.equal(report.since, since.toISOString());
  assert.deepEqual(
    report.drift.map((d) => [d.key, d.category, d.repair]),
    [
      [deleted, 'target-only', 'deactivate'],
      [edited, 'different', 'republish'],
    ].sort((a, b) => a[0]!.localeCompare(b[0]!, 'en', { numeric: true })),
    'changed after the time: the edit and the deletion; the edit before it is not read',
  );
  assert.deepEqual(report.drift.find((d) => d.key === edited)!.fields.find((f) => f.field === 'name')?.target, 'Edited After');
  assert.equal(report.identical, 1, `${CREATED}: created after the time, identical on both sides`);
  assert.deepEqual(report.compared, { source: 2, target: 3 }, `SYSPRO: ${CREATED} and ${edited} (by key); Coupa: those and ${deleted}`);

  // The audit action records that it was a --since run.
  const [action] = (
    await db.query<{ selection: Row; reason: string }>(`select selection, reason from ${p.auditSchema}.audit_operator_actions where id = $1`, [report.actionId])
  ).rows;
  assert.equal(action!.selection.since, since.toISOString());
  assert.match(action!.reason, new RegExp(`changed since ${since.toISOString()}`));

  // In full, the edit from before the time is drift too: --since left it out, it did not miss it by accident.
  const full = await reconcile();
  assert.equal(full.since, undefined);
  assert.deepEqual(full.drift.map((d) => d.key).sort(), [before, deleted, edited].sort());
});
