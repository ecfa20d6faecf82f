import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@mlc/testing';
import { send, startTwoWay, type Row, type TwoWay } from './two-way.js';

// Two-way supplier sync, end to end (harness: two-way.ts). Ownership as the sandbox's: the ERP
// owns name, status, currency and tax id; Coupa owns contact and address. Every
// change is followed by a quiet period of several ERP polls, after which the writes each simulator
// answered must be exactly those the changes require: an echo that travelled back would add one.

const trimmed = (value: unknown) => String(value ?? '').trim();

async function sysproRow(w: TwoWay, number: string): Promise<Row> {
  return send<Row>(`${w.erpUrl}/_sandbox/state/suppliers/${encodeURIComponent(number)}`, 'GET');
}

async function inCoupa(w: TwoWay, number: string, check: (row: Row) => boolean, what: string): Promise<Row> {
  return waitFor(
    async () => {
      const row = await w.coupaSupplier(number);
      return row !== undefined && check(row) ? row : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, message: what },
  );
}

function echoes(outcomes: Awaited<ReturnType<TwoWay['outcomes']>>, writer: string, key: string): number {
  return outcomes.filter((o) => o.writer.endsWith(writer) && o.entity.key === key && o.status === 'echo').length;
}

test('SYSPRO customer: created in SYSPRO → Coupa; contact changed in Coupa → SYSPRO (e.net); name changed in SYSPRO → Coupa; no echo travels back', { timeout: 400_000 }, async (t) => {
  const w = await startTwoWay(t, 'syspro');
  const number = 'TW0001';
  await send(`${w.erpUrl}/_sandbox/suppliers`, 'POST', {
    Supplier: number,
    SupplierName: 'Two Way Ltd',
    Currency: 'ZAR',
    TermsCode: '30',
    TaxRegnNum: 'ZA-4000001',
    Contact: 'Jane Smith',
    Email: 'jane@twoway.example',
    Telephone: '011 555 0100',
    SupAddr1: '1 Main Road',
    SupPostalCode: '2000',
  });
  const created = await inCoupa(w, number, () => true, 'the SYSPRO supplier in Coupa');
  assert.equal(created.name, 'Two Way Ltd');
  await w.quiet();
  assert.deepEqual(await w.writes(), { coupa: 1, erp: 0 }, 'one Coupa create; its call-out is an echo, not written to SYSPRO');

  await send(`${w.coupaUrl}/_sandbox/suppliers/${String(created.id)}`, 'PATCH', {
    'primary-contact': { 'name-given': 'Jane', 'name-family': 'Smith', email: 'jane.smith@twoway.example', 'phone-work': '011 555 0199' },
  });
  await waitFor(async () => trimmed((await sysproRow(w, number)).Email) === 'jane.smith@twoway.example', { timeoutMs: 90_000, intervalMs: 250, message: 'the Coupa contact in SYSPRO' });
  await w.quiet();
  assert.deepEqual(await w.writes(), { coupa: 1, erp: 1 }, 'one APSSSP Update; the poll that reads it back is an echo');

  await send(`${w.erpUrl}/_sandbox/suppliers/${number}`, 'PATCH', { SupplierName: 'Two Way Holdings' });
  await inCoupa(w, number, (row) => row.name === 'Two Way Holdings', 'the SYSPRO name in Coupa');
  await w.quiet();
  assert.deepEqual(await w.writes(), { coupa: 2, erp: 1 }, 'one Coupa update; its call-out is an echo');

  const syspro = await sysproRow(w, number);
  assert.deepEqual(
    { name: trimmed(syspro.SupplierName), email: trimmed(syspro.Email), phone: trimmed(syspro.Telephone), contact: trimmed(syspro.Contact), tax: trimmed(syspro.TaxRegnNum) },
    { name: 'Two Way Holdings', email: 'jane.smith@twoway.example', phone: '011 555 0199', contact: 'Jane Smith', tax: 'ZA-4000001' },
  );
  const coupa = (await w.coupaSupplier(number))!;
  const contact = coupa['primary-contact'] as Row;
  assert.deepEqual({ name: coupa.name, email: contact.email, tax: coupa['tax-id'] }, { name: 'Two Way Holdings', email: 'jane.smith@twoway.example', tax: 'ZA-4000001' });

  const outcomes = await w.outcomes();
  assert.ok(echoes(outcomes, 'syspro-writer', number) >= 2, 'the call-outs after our Coupa writes are recorded as echoes');
  assert.ok(echoes(outcomes, 'coupa-writer', number) >= 1, 'the poll after our SYSPRO write is recorded as an echo');
});

test('CloudSuite customer: created in M3 → Coupa; contact changed in Coupa → M3; name changed in M3 → Coupa; no echo travels back', { timeout: 400_000 }, async (t) => {
  const w = await startTwoWay(t, 'infor');
  const number = 'TWM001';
  const put = (fields: Row) => send(`${w.erpUrl}/_sandbox/state/suppliers/${number}`, 'PUT', fields);
  await put({ SUNM: 'Two Way AB', STAT: '20', CUCD: 'SEK', TEPY: '030', VRNO: 'SE556000001', PHNO: '+46 8 100', CSCD: 'SE' });
  const created = await inCoupa(w, number, () => true, 'the M3 supplier in Coupa');
  assert.equal(created.name, 'Two Way AB');
  await w.quiet();
  assert.deepEqual(await w.writes(), { coupa: 1, erp: 0 }, 'one Coupa create; its call-out is an echo, not written to M3');

  await send(`${w.coupaUrl}/_sandbox/suppliers/${String(created.id)}`, 'PATCH', { 'primary-contact': { 'phone-work': '+46 8 199' } });
  const m3 = async () => (await send<Row[]>(`${w.erpUrl}/_sandbox/state/suppliers`, 'GET')).find((s) => s.SUNO === number)!;
  await waitFor(async () => (await m3()).PHNO === '+46 8 199', { timeoutMs: 90_000, intervalMs: 250, message: 'the Coupa phone in M3' });
  await w.quiet();
  assert.deepEqual(await w.writes(), { coupa: 1, erp: 1 }, 'one UpdSupplier; the poll that reads it back is an echo');

  await put({ SUNM: 'Two Way Holding AB' });
  await inCoupa(w, number, (row) => row.name === 'Two Way Holding AB', 'the M3 name in Coupa');
  await w.quiet();
  assert.deepEqual(await w.writes(), { coupa: 2, erp: 1 }, 'one Coupa update; its call-out is an echo');

  const final = await m3();
  assert.deepEqual({ name: final.SUNM, phone: final.PHNO, tax: final.VRNO }, { name: 'Two Way Holding AB', phone: '+46 8 199', tax: 'SE556000001' });
  const coupa = (await w.coupaSupplier(number))!;
  assert.equal(coupa.name, 'Two Way Holding AB');
  assert.match(JSON.stringify(coupa['primary-contact']), /\+46 8 199/);

  const outcomes = await w.outcomes();
  assert.ok(echoes(outcomes, 'infor-writer', number) >= 2, 'the call-outs after our Coupa writes are recorded as echoes');
  assert.ok(echoes(outcomes, 'coupa-writer', number) >= 1, 'the poll after our M3 write is recorded as an echo');
});

test('a concurrent conflicting change: both sides change the tax id (the ERP owns it), Coupa also the contact (Coupa owns it)', { timeout: 400_000 }, async (t) => {
  const w = await startTwoWay(t, 'syspro');
  const number = 'TW0002';
  await send(`${w.erpUrl}/_sandbox/suppliers`, 'POST', { Supplier: number, SupplierName: 'Conflict Ltd', TermsCode: '30', TaxRegnNum: 'ZA-1', Contact: 'Sam Lee', Email: 'sam@conflict.example' });
  const created = await inCoupa(w, number, () => true, 'the SYSPRO supplier in Coupa');
  await w.quiet();
  assert.deepEqual(await w.writes(), { coupa: 1, erp: 0 });

  // Both before either is synced: SYSPRO is polled every second, the Coupa call-out goes at once.
  await Promise.all([
    send(`${w.erpUrl}/_sandbox/suppliers/${number}`, 'PATCH', { TaxRegnNum: 'ZA-ERP' }),
    send(`${w.coupaUrl}/_sandbox/suppliers/${String(created.id)}`, 'PATCH', {
      'tax-id': 'ZA-COUPA',
      'primary-contact': { 'name-given': 'Sam', 'name-family': 'Lee', email: 'sam.lee@conflict.example' },
    }),
  ]);
  await inCoupa(w, number, (row) => row['tax-id'] === 'ZA-ERP', "SYSPRO's tax id in Coupa");
  await waitFor(async () => trimmed((await sysproRow(w, number)).Email) === 'sam.lee@conflict.example', { timeoutMs: 90_000, intervalMs: 250, message: "Coupa's contact in SYSPRO" });
  await w.quiet();

  const syspro = await sysproRow(w, number);
  assert.deepEqual({ tax: trimmed(syspro.TaxRegnNum), email: trimmed(syspro.Email) }, { tax: 'ZA-ERP', email: 'sam.lee@conflict.example' });
  const coupa = (await w.coupaSupplier(number))!;
  assert.deepEqual({ tax: coupa['tax-id'], email: (coupa['primary-contact'] as Row).email }, { tax: 'ZA-ERP', email: 'sam.lee@conflict.example' });
  assert.deepEqual(await w.writes(), { coupa: 2, erp: 1 }, "Coupa gets SYSPRO's tax id, SYSPRO gets Coupa's contact, nothing more");

  const resolved = (await w.outcomes()).find((o) => o.writer.endsWith('syspro-writer') && o.entity.key === number && o.status === 'updated');
  assert.equal(resolved?.reason, 'wrote contact; not owned by coupa: taxId', "the outcome says Coupa's tax id was not written, and why");
});
