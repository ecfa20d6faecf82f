import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConnections } from '@mlc/config';
import { CoupaMapping, coupaClientFromSettings } from '@mlc/coupa';
import { isMlcError } from '@mlc/errors';
import { coupaEndpoint, sandboxConnections, startCoupaSimulator, startSysproSimulator, sysproEndpoints } from '@mlc/sandbox';
import { SysproMapping, sysproODataClientFromSettings } from '@mlc/syspro';
import { coupaReader, sysproReader } from './reconcile.js';

// The `--since` readers against the vendor simulators: what each side changed since a time, and
// records by key (absent keys absent); SYSPRO refuses `--since` without a datetime cursor.

type Cursor = { cursorColumn: string; cursorKind: 'datetime' | 'number' } | undefined;

async function sides(t: TestContext, cursor: Cursor) {
  const syspro = await startSysproSimulator({ seed: 3, sizes: { suppliers: 5, purchaseOrders: 0, maxLinesPerOrder: 1, invoices: 0, maxDistributionsPerInvoice: 1, glAccounts: 1, costCentres: 1 } });
  const coupa = await startCoupaSimulator({ seed: 3, sizes: { suppliers: 5, purchaseOrders: 0, invoices: 0, lookupValues: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'mlc-reconcile-'));
  t.after(async () => {
    await Promise.all([syspro.close(), coupa.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const [generated] = sandboxConnections({ syspro: sysproEndpoints(syspro), coupa: coupaEndpoint(coupa), webhookSecret: 'unused-in-this-test-0123456789' }).connections;
  const poll = { intervalSeconds: 1, ...(cursor === undefined ? {} : { entities: { supplier: cursor } }) };
  writeFileSync(join(dir, 'connections.json'), JSON.stringify({ allowLiteralSecrets: true, connections: [{ ...generated!, syspro: { ...generated!.syspro!, poll } }] }), { mode: 0o600 });
  const connection = loadConnections(join(dir, 'connections.json'), { mappings: { syspro: SysproMapping, coupa: CoupaMapping } }).connections[0]!;
  const admin = async (url: string, method: string, body?: unknown) => {
    const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    assert.ok(res.ok, `${method} ${url}: ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  return {
    syspro: sysproReader(connection as never, sysproODataClientFromSettings(connection.syspro!.odata)),
    coupa: coupaReader(connection as never, coupaClientFromSettings(connection.coupa!)),
    sysproKeys: async () => ((await admin(`${syspro.url}/_sandbox/state/suppliers?limit=100`, 'GET')).rows as { Supplier: string }[]).map((r) => r.Supplier.trim()),
    coupaSuppliers: async () => (await (await fetch(`${coupa.url}/_sandbox/state/suppliers?limit=100`)).json()) as { id: number; number: string }[],
    sysproPatch: (key: string, body: unknown) => admin(`${syspro.url}/_sandbox/suppliers/${encodeURIComponent(key)}`, 'PATCH', body),
    coupaPatch: (id: number, body: unknown) => admin(`${coupa.url}/_sandbox/suppliers/${id}`, 'PATCH', body),
  };
}

// Whole seconds, as `reconcile` hands the readers (both vendors stamp changes in whole seconds).
const second = () => new Date(Math.floor(Date.now() / 1000) * 1000);
const keys = (read: { records: { key: string }[] }) => read.records.map((r) => r.key).sort();

test('SYSPRO --since: only rows whose change date is at or after the time, by the datetime cursor column; by key in one filter', async (t) => {
  const s = await sides(t, { cursorColumn: 'DateLastChanged', cursorKind: 'datetime' });
  const all = await s.sysproKeys();
  assert.equal(all.length, 5);
  const since = second(); // the seed's change dates are in 2024
  assert.deepEqual(keys(await s.syspro.read('supplier', since)), [], 'nothing changed since');
  await s.sysproPatch(all[1]!, { SupplierName: 'Changed Since' });
  const changed = await s.syspro.read('supplier', since);
  assert.deepEqual(keys(changed), [all[1]]);
  assert.equal((changed.records[0]!.data as { name: string }).name, 'Changed Since');
  assert.deepEqual(keys(await s.syspro.read('supplier')), [...all].sort(), 'in full without --since');
  assert.deepEqual(keys(await s.syspro.readKeys('supplier', [all[0]!, all[4]!, 'NOPE', "O'B"])), [all[0], all[4]].sort(), 'absent keys are absent');
});

test('SYSPRO --since without a datetime cursor is refused, naming the column and what to set', async (t) => {
  const s = await sides(t, undefined);
  await assert.rejects(s.syspro.read('supplier', new Date()), (e: unknown) => isMlcError(e) && e.code === 'MLC_CONFIG_INVALID' && /TimeStamp \(number\), not a datetime/.test(e.message) && /cursorKind "datetime"/.test(e.message));
});

test('Coupa --since: only suppliers updated at or after the time (updated-at[gt_or_eq]); by key through the finder', async (t) => {
  const s = await sides(t, undefined);
  const suppliers = await s.coupaSuppliers();
  assert.equal(suppliers.length, 5);
  const since = second();
  assert.deepEqual(keys(await s.coupa.read('supplier', since)), []);
  await s.coupaPatch(suppliers[2]!.id, { name: 'Edited By Hand' });
  assert.deepEqual(keys(await s.coupa.read('supplier', since)), [suppliers[2]!.number]);
  assert.equal((await s.coupa.read('supplier')).records.length, 5);
  assert.deepEqual(keys(await s.coupa.readKeys('supplier', [suppliers[0]!.number, 'NOPE'])), [suppliers[0]!.number]);
});
