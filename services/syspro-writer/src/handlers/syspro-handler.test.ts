import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError, isMlcError } from '@mlc/errors';
import { buildEvent, type SupplierData } from '@mlc/events';
import { ApssspConfig, type SysproEnetClient } from '@mlc/syspro';
import type { TargetRecord, TargetRecordStore } from '@mlc/writer';
import { createSysproHandler, type SupplierAdmission } from './syspro-handler.js';

/** SYSPRO as the handler sees it: suppliers by number, and the APSSSP calls made. */
function fakeSyspro() {
  const held = new Set<string>(['S000001']);
  const calls: Array<{ method: string; xmlIn: string }> = [];
  let failNext: MlcError | undefined;
  const enet: Pick<SysproEnetClient, 'setup'> = {
    async setup(method, _bo, _params, xmlIn) {
      calls.push({ method, xmlIn });
      const error = failNext;
      failNext = undefined;
      if (error?.code === 'MLC_VENDOR_REJECTED') throw error;
      held.add(/<Supplier>([^<]+)<\/Supplier>/.exec(xmlIn)![1]!);
      if (error) throw error; // applied, but the answer never arrived
      return { xml: '<SetupApSupplier/>', warnings: [] };
    },
  };
  const suppliers = { find: async (number: string) => (held.has(number) ? { id: number } : undefined) };
  return { enet, suppliers, held, calls, failNext: (e: MlcError) => (failNext = e) };
}

function recordsInMemory(): TargetRecordStore {
  const byRef = new Map<string, TargetRecord>();
  return {
    get: async (ref) => byRef.get(JSON.stringify(ref)),
    remember: async (ref, w) => {
      byRef.set(JSON.stringify(ref), {
        targetId: w.targetId ?? null,
        contentHash: w.contentHash,
        sourceTime: new Date(w.sourceTime),
        eventId: w.eventId,
        writtenAt: new Date(),
      });
    },
  };
}

const supplier = (number: string, contact: string, at = '2026-03-02T10:00:00Z') => {
  const data: SupplierData = { number, name: `${number} Ltd`, status: 'active', paymentTerms: '30', contact: { name: contact } };
  return buildEvent({ source: 'coupa', connection: 'acme', entity: 'supplier', key: number, data, occurredAt: at, observedAt: at, correlationId: `c-${number}-${contact}` });
};

function setup(admit?: SupplierAdmission) {
  const syspro = fakeSyspro();
  const handle = createSysproHandler({ enet: syspro.enet, suppliers: syspro.suppliers, records: recordsInMemory(), apsssp: ApssspConfig.parse(undefined), admit });
  return { ...syspro, handle };
}

test('a supplier SYSPRO lacks is added, one it holds is updated, a replay calls nothing', async () => {
  const { handle, calls } = setup();
  assert.deepEqual(await handle(supplier('NEW01', 'Jane')), { status: 'created', target: { system: 'syspro', id: 'NEW01' } });
  assert.deepEqual(await handle(supplier('S000001', 'Joe')), { status: 'updated', target: { system: 'syspro', id: 'S000001' } });
  const changed = supplier('NEW01', 'Janet', '2026-03-02T11:00:00Z');
  assert.equal((await handle(changed)).status, 'updated');
  assert.deepEqual((await handle(changed)).status, 'unchanged');
  assert.deepEqual(calls.map((c) => c.method), ['Add', 'Update', 'Update']);
  assert.match(calls[0]!.xmlIn, /<SupplierName>NEW01 Ltd<\/SupplierName>/, 'an Add names the supplier');
  assert.doesNotMatch(calls[2]!.xmlIn, /SupplierName/, 'an Update sends the fields Coupa changes');
});

test('a forced replay writes the same content again as an Update; an ordinary redelivery does not', async () => {
  const { handle, calls } = setup();
  const event = supplier('NEW02', 'Jane');
  assert.equal((await handle(event)).status, 'created');
  assert.equal((await handle(event, { replay: { force: false } })).status, 'unchanged');
  assert.equal((await handle(event, { replay: { force: true } })).status, 'updated');
  assert.deepEqual(calls.map((c) => c.method), ['Add', 'Update'], 'forced: never a second Add');
});

test('a crash after SYSPRO applied the Add but before it was remembered updates on redelivery, never adds twice', async () => {
  const { handle, calls, failNext } = setup();
  const event = supplier('NEW02', 'Jane');
  failNext(new MlcError('MLC_HTTP_TIMEOUT', 'answer lost'));
  await assert.rejects(handle(event), (e: unknown) => isMlcError(e) && e.retriable);
  assert.equal((await handle(event)).status, 'updated');
  assert.deepEqual(calls.map((c) => c.method), ['Add', 'Update']);
});

test("SYSPRO's business errors reach the runtime as they are (permanent: the DLQ gets SYSPRO's text)", async () => {
  const { handle, failNext } = setup();
  failNext(new MlcError('MLC_VENDOR_REJECTED', "SYSPRO APSSSP: Terms code '99' is not on file", { context: { errors: ["Terms code '99' is not on file"] } }));
  await assert.rejects(handle(supplier('S000001', 'Jane')), (e: unknown) => isMlcError(e) && e.code === 'MLC_VENDOR_REJECTED' && !e.retriable);
});

test('the admission decides before SYSPRO is asked anything', async () => {
  const skipped = { status: 'skipped' as const, target: { system: 'syspro' } };
  const { handle, calls } = setup(async () => ({ write: false, result: skipped }));
  assert.deepEqual(await handle(supplier('S000001', 'Jane')), skipped);
  assert.deepEqual(calls, []);
});

test('other entities are not written to SYSPRO: a mapping failure (DLQ)', async () => {
  const { handle } = setup();
  const at = '2026-03-02T10:00:00Z';
  const glAccount = buildEvent({ source: 'coupa', connection: 'acme', entity: 'gl-account', key: '5000', data: { code: '5000', description: 'Rent', active: true }, occurredAt: at, observedAt: at, correlationId: 'c' });
  await assert.rejects(handle(glAccount), (e: unknown) => isMlcError(e) && e.code === 'MLC_MAPPING_FAILED');
});
