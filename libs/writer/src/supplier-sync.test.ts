import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncSettings } from '@mlc/config';
import { buildEvent, type Source, type SupplierData } from '@mlc/events';
import { createSupplierSync, planSupplierSync, supplierWithGroups, syncedLeaves, type SupplierLeaf, type SyncState, type SyncStateStore } from './supplier-sync.js';

const COUPA_WRITES: SupplierLeaf[] = ['name', 'status', 'paymentTerms', 'taxId', 'contact.name', 'contact.email', 'contact.phone', 'address.lines', 'address.postalCode'];
const SYSPRO_WRITES: SupplierLeaf[] = ['paymentTerms', 'taxId', 'contact.name', 'contact.email', 'contact.phone', 'address.lines', 'address.postalCode', 'bank.accountNumber'];
const rules = (owners: Record<string, string> = {}, bankDirections: string[] = []) => SyncSettings.parse({ supplier: { owners, bankDirections } }).supplier;
const base: SupplierData = { number: 'S1', name: 'Acme', status: 'active', currency: 'ZAR', paymentTerms: '30', taxId: 'T1', contact: { name: 'Jo', email: 'jo@acme' } };
const event = (source: Source, data: Partial<SupplierData>, at: string) => ({ id: `${source}-${at}`, source, data: { ...base, ...data }, occurredAt: at });

/** The store's contract in memory (the SQL of it: supplier-sync.int.test.ts); target records are not kept here. */
function memoryState(rows: Map<string, SyncState>): SyncStateStore {
  const merge = async (c: string, k: string, s: string, leaves: SyncState) => void rows.set(`${c}/${k}/${s}`, { ...rows.get(`${c}/${k}/${s}`), ...leaves });
  return {
    get: async (c, k, s) => rows.get(`${c}/${k}/${s}`),
    merge,
    async open(ref, s, claim) {
      const current = rows.get(`${ref.connection}/${ref.naturalKey}/${s}`);
      if (current === undefined) rows.set(`${ref.connection}/${ref.naturalKey}/${s}`, claim);
      return { record: undefined, state: current, claimed: current === undefined };
    },
    remember: async (ref, _written, s, leaves) => merge(ref.connection, ref.naturalKey, s, leaves),
  };
}

/** The sync state after `data` was written from `source` at `at`. */
function syncedAfter(source: Source, data: Partial<SupplierData>, at: string, writes: SupplierLeaf[]): SyncState {
  const plan = planSupplierSync({ event: event(source, data, at), state: undefined, rules: rules(), writes });
  assert.equal(plan.action, 'write');
  return plan.action === 'write' ? plan.synced : {};
}

test('the first write carries every synced group; the leaves compared are what the sender reads and the target writes', () => {
  const plan = planSupplierSync({ event: event('syspro', {}, '2026-01-01T00:00:00Z'), state: undefined, rules: rules(), writes: COUPA_WRITES });
  assert.equal(plan.action, 'write');
  if (plan.action !== 'write') return;
  assert.deepEqual(plan.groups.sort(), ['address', 'contact', 'name', 'paymentTerms', 'status', 'taxId']);
  assert.equal(plan.synced.currency, undefined, 'Coupa is not written a currency: never compared');
  assert.deepEqual(syncedLeaves('infor', COUPA_WRITES, rules()), ['name', 'status', 'paymentTerms', 'taxId', 'contact.phone']);
});

test('the echo of our own write: the same values on the compared leaves, whatever else differs', () => {
  const state = syncedAfter('syspro', {}, '2026-01-01T00:00:00Z', COUPA_WRITES);
  // Coupa's call-out after coupa-writer's write: no currency (Coupa holds none), later time.
  const { currency: _c, ...coupaView } = base;
  const plan = planSupplierSync({ event: { id: 'c1', source: 'coupa', data: coupaView, occurredAt: '2026-01-01T00:00:05Z' }, state, rules: rules(), writes: SYSPRO_WRITES });
  assert.equal(plan.action, 'echo');
});

test('a change to a group its sender does not own is not written; owned changes are, alone', () => {
  const state = syncedAfter('syspro', {}, '2026-01-01T00:00:00Z', COUPA_WRITES);
  const owners = { name: 'erp', taxId: 'erp', contact: 'coupa' };
  const notOwned = planSupplierSync({ event: event('coupa', { taxId: 'T2' }, '2026-01-02T00:00:00Z'), state, rules: rules(owners), writes: SYSPRO_WRITES });
  assert.deepEqual(notOwned, { action: 'skipped', reason: 'not owned by coupa: taxId' });
  const both = planSupplierSync({ event: event('coupa', { taxId: 'T2', contact: { name: 'Jo', email: 'new@acme' } }, '2026-01-02T00:00:00Z'), state, rules: rules(owners), writes: SYSPRO_WRITES });
  assert.equal(both.action, 'write');
  if (both.action !== 'write') return;
  assert.deepEqual(both.groups, ['contact']);
  assert.equal(both.reason, 'wrote contact; not owned by coupa: taxId');
  assert.deepEqual(Object.keys(both.synced).sort(), ['contact.email', 'contact.name', 'contact.phone']);
});

test('a group either side may change: the newer change by source time wins, the older is skipped with the reason', () => {
  const first = syncedAfter('syspro', {}, '2026-01-01T00:00:00Z', COUPA_WRITES);
  // SYSPRO changed the terms at 12:00 and it was synced.
  const erp = planSupplierSync({ event: event('syspro', { paymentTerms: '60' }, '2026-01-02T12:00:00Z'), state: first, rules: rules(), writes: COUPA_WRITES });
  assert.equal(erp.action, 'write');
  const state = { ...first, ...(erp.action === 'write' ? erp.synced : {}) };
  const older = planSupplierSync({ event: event('coupa', { paymentTerms: '45' }, '2026-01-02T11:00:00Z'), state, rules: rules(), writes: SYSPRO_WRITES });
  assert.equal(older.action, 'skipped');
  assert.match(older.action === 'skipped' ? older.reason : '', /^conflict lost: paymentTerms/);
  const newer = planSupplierSync({ event: event('coupa', { paymentTerms: '45' }, '2026-01-02T13:00:00Z'), state, rules: rules(), writes: SYSPRO_WRITES });
  assert.equal(newer.action, 'write');
});

test('bank details travel only in the directions configured, and are stripped from the data otherwise', () => {
  assert.ok(!syncedLeaves('coupa', SYSPRO_WRITES, rules()).includes('bank.accountNumber'));
  assert.ok(syncedLeaves('coupa', SYSPRO_WRITES, rules({}, ['coupa-to-erp'])).includes('bank.accountNumber'));
  assert.ok(!syncedLeaves('coupa', SYSPRO_WRITES, rules({}, ['erp-to-coupa'])).includes('bank.accountNumber'));
  const withBank = { ...base, bank: { accountNumber: '123' } };
  assert.equal(supplierWithGroups(withBank, ['name', 'contact']).bank, undefined);
  assert.deepEqual(supplierWithGroups(withBank, ['bank']).bank, { accountNumber: '123' });
});

test('a forced replay writes every group its sender may write, changed or not', () => {
  const state = syncedAfter('syspro', {}, '2026-01-01T00:00:00Z', COUPA_WRITES);
  const plan = planSupplierSync({ event: event('syspro', {}, '2026-01-01T00:00:00Z'), state, rules: rules({ contact: 'coupa' }), writes: COUPA_WRITES, force: true });
  assert.equal(plan.action, 'write');
  assert.ok(plan.action === 'write' && !plan.groups.includes('contact'));
});

test('createSupplierSync: the state is recorded before the target is called (an echo may overtake the call); a failed write is retried by the same event', async () => {
  const rows = new Map<string, SyncState>();
  const state = memoryState(rows);
  const admit = createSupplierSync({ system: 'coupa', state, rules: rules(), writes: COUPA_WRITES });
  const at = '2026-01-01T00:00:00Z';
  const e = buildEvent({ source: 'syspro', connection: 'c', entity: 'supplier', key: 'S1', data: base, occurredAt: at, observedAt: at, correlationId: 'x' });
  const first = await admit(e);
  assert.ok(first.write);
  // The target's echo arrives while the write is in flight: already an echo.
  const early = await admit({ ...e, id: 'echo', source: 'syspro', occurredAt: '2026-01-01T00:00:01Z' });
  assert.equal(early.write === false && early.result.status, 'echo');
  // The write failed (no settle): the event's redelivery writes again.
  assert.ok((await admit(e)).write);
  const settled = await first.settle({ status: 'created', target: { system: 'coupa', id: '1' } });
  assert.equal(settled.reason, undefined);
  assert.equal(rows.get('c/S1/coupa|syspro')?.name?.by, undefined, 'settled: no longer pending');
  const again = await admit({ ...e, id: 'other', occurredAt: '2026-01-01T00:01:00Z' });
  assert.equal(again.write, false);
  assert.equal(again.write === false && again.result.status, 'echo');
});

test('createSupplierSync: a third system is another pair: SYSPRO → Coupa then Coupa → M3 writes M3, and the call-out back to SYSPRO is an echo', async () => {
  const rows = new Map<string, SyncState>();
  const state = memoryState(rows);
  const toCoupa = createSupplierSync({ system: 'coupa', state, rules: rules(), writes: COUPA_WRITES });
  const toM3 = createSupplierSync({ system: 'infor', state, rules: rules(), writes: COUPA_WRITES });
  const toSyspro = createSupplierSync({ system: 'syspro', state, rules: rules(), writes: SYSPRO_WRITES });
  const at = '2026-01-01T00:00:00Z';
  const fromSyspro = buildEvent({ source: 'syspro', connection: 'c', entity: 'supplier', key: 'S1', data: base, occurredAt: at, observedAt: at, correlationId: 'x' });
  const written = await toCoupa(fromSyspro);
  assert.ok(written.write);
  await written.settle({ status: 'created', target: { system: 'coupa', id: '1' } });
  const callout = buildEvent({ source: 'coupa', connection: 'c', entity: 'supplier', key: 'S1', data: base, occurredAt: '2026-01-01T00:00:02Z', observedAt: at, correlationId: 'y' });
  assert.ok((await toM3(callout)).write, 'M3 has never agreed with Coupa on S1: written');
  const back = await toSyspro(callout);
  assert.equal(back.write === false && back.result.status, 'echo', 'SYSPRO and Coupa agree already');
});
