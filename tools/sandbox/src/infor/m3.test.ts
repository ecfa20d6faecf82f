import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from './test-support.js';

test('GET execute answers the v2 envelope with string values; matrix maxrecs and returncols apply', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const res = await sim.execute(token, 'CRS620MI', 'LstByNumber', {}, ';maxrecs=2;returncols=SUNO,SUNM');
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.wasTerminated, false);
  assert.equal(body.nrOfSuccessfullTransactions, 1);
  assert.equal(body.nrOfFailedTransactions, 0);
  assert.equal(body.results[0].transaction, 'LstByNumber');
  assert.deepEqual(Object.keys(body.results[0].records[0]), ['SUNO', 'SUNM']);
  assert.equal(body.results[0].records.length, 2);
  assert.ok(body.results[0].records.every((r: Record<string, unknown>) => Object.values(r).every((v) => typeof v === 'string')));
});

test('AddSupplier then GetBasicData round-trips; a duplicate SUNO is an HTTP-200 business error on SUNO', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const add = await sim.execute(token, 'CRS620MI', 'AddSupplier', { SUNO: 'NEW001', SUNM: 'Bolt & Nut AB', CSCD: 'SE', CUCD: 'SEK', cono: '100' });
  assert.equal(add.json().nrOfFailedTransactions, 0);
  const get = (await sim.execute(token, 'CRS620MI', 'GetBasicData', { SUNO: 'NEW001' })).json();
  assert.equal(get.results[0].records[0].SUNM, 'Bolt & Nut AB');
  assert.equal(get.results[0].records[0].CONO, '100');

  const again = await sim.execute(token, 'CRS620MI', 'AddSupplier', { SUNO: 'NEW001', SUNM: 'Other' });
  assert.equal(again.statusCode, 200);
  const body = again.json();
  assert.equal(body.nrOfFailedTransactions, 1);
  assert.equal(body.results[0].errorType, 'ServerReturnedNOK');
  assert.equal(body.results[0].errorField, 'SUNO');
  assert.ok(body.results[0].errorMessage);
});

test('a missing mandatory field and a too-long SUNM name the field', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const missing = (await sim.execute(token, 'CRS620MI', 'AddSupplier', { SUNO: 'X1' })).json().results[0];
  assert.equal(missing.errorType, 'MandatoryInputFieldNotFound');
  assert.equal(missing.errorField, 'SUNM');
  const long = (await sim.execute(token, 'CRS620MI', 'AddSupplier', { SUNO: 'X1', SUNM: 'x'.repeat(37) })).json().results[0];
  assert.equal(long.errorType, 'InputFieldTooLong');
  assert.equal(long.errorField, 'SUNM');
  assert.equal(sim.state.suppliers.has('X1'), false);
});

test('UpdSupplier changes only the fields sent; an unknown supplier is an error on SUNO', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const before = sim.state.suppliers.get('SUP00001')!;
  await sim.execute(token, 'CRS620MI', 'UpdSupplier', { SUNO: 'SUP00001', TEPY: '90' });
  const after = sim.state.suppliers.get('SUP00001')!;
  assert.equal(after.TEPY, '90');
  assert.equal(after.SUNM, before.SUNM);
  assert.equal(after.CHNO, '2');
  const unknown = (await sim.execute(token, 'CRS620MI', 'UpdSupplier', { SUNO: 'NOPE', TEPY: '90' })).json().results[0];
  assert.equal(unknown.errorField, 'SUNO');
});

test('another company is refused with XAU0008 on CONO', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const res = (await sim.execute(token, 'CRS620MI', 'GetBasicData', { SUNO: 'SUP00001', cono: '200' })).json().results[0];
  assert.equal(res.errorCode, 'XAU0008');
  assert.equal(res.errorField, 'CONO');
});

test('an unknown transaction is TransactionNotFound (HTTP 400 on GET, a failed result in bulk)', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const get = await sim.execute(token, 'PPS200MI', 'AddHead', { SUNO: 'SUP00001' });
  assert.equal(get.statusCode, 400);
  assert.equal(get.json().results[0].errorType, 'TransactionNotFound');
  const bulk = await sim.bulk(token, { program: 'NOPE99MI', transactions: [{ transaction: 'Get', record: {} }] });
  assert.equal(bulk.statusCode, 200);
  assert.equal(bulk.json().results[0].errorType, 'TransactionNotFound');
});

test('bulk execute runs every transaction, counting successes and failures', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const res = await sim.bulk(token, {
    program: 'CRS620MI',
    cono: 100,
    transactions: [
      { transaction: 'AddSupplier', record: { SUNO: 'B1', SUNM: 'First' } },
      { transaction: 'AddSupplier', record: { SUNO: 'B1', SUNM: 'Duplicate' } },
      { transaction: 'GetBasicData', record: { SUNO: 'B1' }, selectedColumns: ['SUNM'] },
    ],
  });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.nrOfSuccessfullTransactions, 2);
  assert.equal(body.nrOfFailedTransactions, 1);
  assert.equal(body.results[1].errorField, 'SUNO');
  assert.deepEqual(body.results[2].records, [{ SUNM: 'First' }]);
});

test('a malformed bulk body is a 400', async (t) => {
  const sim = build(t);
  const res = await sim.bulk(await sim.token(), { transactions: [] });
  assert.equal(res.statusCode, 400);
});

async function createOrder(sim: ReturnType<typeof build>, token: string, suno: string) {
  const call = async (transaction: string, fields: Record<string, string>) => {
    const body = (await sim.execute(token, 'PPS370MI', transaction, fields)).json();
    assert.equal(body.nrOfFailedTransactions, 0, JSON.stringify(body.results[0]));
    return body.results[0].records[0] as Record<string, string> | undefined;
  };
  const { MSGN } = (await call('StartEntry', { BAOR: 'MLC' }))!;
  const { PUNO } = (await call('AddHead', { MSGN: MSGN!, FACI: 'A01', WHLO: '001', SUNO: suno, DWDT: '20260315' }))!;
  const line = (await call('AddLine', { MSGN: MSGN!, PUNO: PUNO!, ITNO: 'ITEM0001', ORQA: '5', PUUN: 'EA', PUPR: '12.5' }))!;
  assert.equal(line.PNLI, '10');
  return { MSGN: MSGN!, PUNO: PUNO! };
}

test('PPS370MI batch entry creates a PO that PPS200MI sees only after FinishEntry', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const { MSGN, PUNO } = await createOrder(sim, token, 'SUP00002');
  assert.equal((await sim.execute(token, 'PPS200MI', 'GetHead', { PUNO })).json().results[0].errorField, 'PUNO');
  await sim.execute(token, 'PPS370MI', 'FinishEntry', { MSGN });
  const head = (await sim.execute(token, 'PPS200MI', 'GetHead', { PUNO })).json().results[0].records[0];
  assert.equal(head.SUNO, 'SUP00002');
  assert.equal(head.PUSL, '20');
  const lines = (await sim.execute(token, 'PPS200MI', 'LstLine', { PUNO })).json().results[0].records;
  assert.deepEqual(
    lines.map((l: Record<string, string>) => [l.PNLI, l.ITNO, l.ORQA, l.PUPR]),
    [['10', 'ITEM0001', '5', '12.5']],
  );
  const again = (await sim.execute(token, 'PPS370MI', 'AddLine', { MSGN, PUNO, ITNO: 'X', ORQA: '1' })).json().results[0];
  assert.equal(again.errorField, 'MSGN');
});

test('PPS370MI AddHead refuses an unknown supplier; PPS200MI AddLine refuses a duplicate PNLI', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const { MSGN } = (await sim.execute(token, 'PPS370MI', 'StartEntry', { BAOR: 'MLC' })).json().results[0].records[0];
  const head = (await sim.execute(token, 'PPS370MI', 'AddHead', { MSGN, FACI: 'A01', WHLO: '001', SUNO: 'NOPE', DWDT: '20260315' })).json().results[0];
  assert.equal(head.errorField, 'SUNO');
  const badDate = (await sim.execute(token, 'PPS370MI', 'AddHead', { MSGN, FACI: 'A01', WHLO: '001', SUNO: 'SUP00001', DWDT: '20261301' })).json().results[0];
  assert.equal(badDate.errorField, 'DWDT');

  const [puno] = [...sim.state.purchaseOrders.keys()];
  const dup = (await sim.execute(token, 'PPS200MI', 'AddLine', { PUNO: puno!, PNLI: '10', ITNO: 'X', ORQA: '1' })).json().results[0];
  assert.equal(dup.errorField, 'PNLI');
  const added = (await sim.execute(token, 'PPS200MI', 'AddLine', { PUNO: puno!, ITNO: 'X', ORQA: '1' })).json().results[0].records[0];
  assert.equal(added.PNLI, '30');
});

test('PPS200MI UpdLine sets the quantity, price, delivery date and name given and leaves the rest of the order as it was', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const [puno, order] = [...sim.state.purchaseOrders.entries()][0]!;
  const before = structuredClone([...order.lines.values()]);

  const res = await sim.execute(token, 'PPS200MI', 'UpdLine', { CONO: '100', PUNO: puno, PNLI: '10', PNLS: '0', ORQA: '42', PUPR: '3.50', DWDT: '20260401', PITD: 'Hex bolts M8' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { results: [{ transaction: 'UpdLine', records: [] }], wasTerminated: false, nrOfSuccessfullTransactions: 1, nrOfFailedTransactions: 0 });
  const line = (await sim.execute(token, 'PPS200MI', 'GetLine', { PUNO: puno, PNLI: '10' })).json().results[0].records[0];
  assert.deepEqual({ ...line, ORQA: undefined, PUPR: undefined, DWDT: undefined, PITD: undefined }, { ...before[0], ORQA: undefined, PUPR: undefined, DWDT: undefined, PITD: undefined });
  assert.deepEqual([line.ORQA, line.PUPR, line.DWDT, line.PITD], ['42', '3.5', '20260401', 'Hex bolts M8']);
  assert.deepEqual(order.lines.get('20'), before[1], 'the other line is untouched');

  await sim.execute(token, 'PPS200MI', 'UpdLine', { PUNO: puno, PNLI: '10', PNLS: '0', PUPR: '4' });
  assert.deepEqual([order.lines.get('10')!.ORQA, order.lines.get('10')!.PUPR], ['42', '4'], 'blank inputs leave the field unchanged');
});

test('PPS200MI UpdLine: an unknown order, line or suffix is an HTTP-200 business error naming the field; PNLS is mandatory', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const [puno, order] = [...sim.state.purchaseOrders.entries()][0]!;
  const before = structuredClone([...order.lines.values()]);
  for (const [fields, errorType, errorField] of [
    [{ PUNO: '9999999', PNLI: '10', PNLS: '0', ORQA: '5' }, 'ServerReturnedNOK', 'PUNO'],
    [{ PUNO: puno, PNLI: '99', PNLS: '0', ORQA: '5' }, 'ServerReturnedNOK', 'PNLI'],
    [{ PUNO: puno, PNLI: '10', PNLS: '1', ORQA: '5' }, 'ServerReturnedNOK', 'PNLI'],
    [{ PUNO: puno, PNLI: '10', ORQA: '5' }, 'MandatoryInputFieldNotFound', 'PNLS'],
    [{ PUNO: puno, PNLI: '10', PNLS: '0', ORQA: '0' }, 'ServerReturnedNOK', 'ORQA'],
    [{ PUNO: puno, PNLI: '10', PNLS: '0', DWDT: '20260231' }, 'ServerReturnedNOK', 'DWDT'],
  ] as const) {
    const res = await sim.execute(token, 'PPS200MI', 'UpdLine', fields);
    assert.equal(res.statusCode, 200, JSON.stringify(fields));
    const body = res.json();
    assert.equal(body.nrOfFailedTransactions, 1, JSON.stringify(fields));
    assert.equal(body.nrOfSuccessfullTransactions, 0);
    assert.deepEqual([body.results[0].errorType, body.results[0].errorField], [errorType, errorField], JSON.stringify(fields));
    assert.ok(body.results[0].errorMessage);
  }
  assert.deepEqual([...order.lines.values()], before, 'a refused UpdLine changes nothing');
});

test('APS450MI AddHead/AddLine then APS455MI ValidByBatchNo creates a voucher and updates invoiced quantity', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const { MSGN, PUNO } = await createOrder(sim, token, 'SUP00003');
  await sim.execute(token, 'PPS370MI', 'FinishEntry', { MSGN });

  const head = (await sim.execute(token, 'APS450MI', 'AddHead', { SUNO: 'SUP00003', IVDT: '20260320', SINO: 'INV-1', CUAM: '62.5' })).json();
  const { INBN } = head.results[0].records[0];
  assert.match(INBN, /^\d+$/);
  const line = await sim.execute(token, 'APS450MI', 'AddLine', { INBN, RDTP: '1', PUNO, PNLI: '10', IVQA: '5', GRPR: '12.5' });
  assert.equal(line.json().nrOfFailedTransactions, 0);
  const valid = (await sim.execute(token, 'APS455MI', 'ValidByBatchNo', { INBN })).json();
  assert.equal(valid.nrOfFailedTransactions, 0);

  const batch = (await sim.execute(token, 'APS450MI', 'GetHead', { INBN })).json().results[0].records[0];
  assert.equal(batch.SUPA, '2');
  assert.ok(batch.VONO);
  const lines = (await sim.execute(token, 'APS450MI', 'LstLines', { INBN })).json().results[0].records;
  assert.equal(lines[0].NLAM, '62.5');
  assert.equal(sim.state.purchaseOrders.get(PUNO)!.lines.get('10')!.IVQA, '5');
});

test('ValidByBatchNo refuses a line matched to a PO line that does not exist and flags the batch', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const [puno] = [...sim.state.purchaseOrders.keys()];
  const suno = sim.state.purchaseOrders.get(puno!)!.head.SUNO!;
  const { INBN } = (await sim.execute(token, 'APS450MI', 'AddHead', { SUNO: suno, IVDT: '20260320', SINO: 'INV-2' })).json().results[0].records[0];
  await sim.execute(token, 'APS450MI', 'AddLine', { INBN, RDTP: '1', PUNO: puno!, PNLI: '990', IVQA: '1' });
  const valid = await sim.execute(token, 'APS455MI', 'ValidByBatchNo', { INBN });
  assert.equal(valid.statusCode, 200);
  assert.equal(valid.json().results[0].errorType, 'ServerReturnedNOK');
  assert.equal(valid.json().results[0].errorField, 'PNLI');
  const batch = sim.state.invoiceBatches.get(INBN)!.head;
  assert.equal(batch.SUPA, '1');
  assert.equal(batch.IBLE, '1');
  assert.equal(batch.VONO, undefined);
});

test('a second AddHead with the same supplier invoice number is refused on SINO, and LstInvBySupInv finds the first', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const first = (await sim.execute(token, 'APS450MI', 'AddHead', { SUNO: 'SUP00001', IVDT: '20260320', SINO: 'INV-9' })).json().results[0].records[0];
  const second = (await sim.execute(token, 'APS450MI', 'AddHead', { SUNO: 'SUP00001', IVDT: '20260320', SINO: 'INV-9' })).json().results[0];
  assert.equal(second.errorField, 'SINO');
  const found = (await sim.execute(token, 'APS450MI', 'LstInvBySupInv', { SPYN: 'SUP00001', SUNO: 'SUP00001', SINO: 'INV-9' })).json().results[0].records;
  assert.deepEqual(found.map((r: Record<string, string>) => r.INBN), [first.INBN]);
});

test('a PO-matched invoice line without PNLI is refused at AddLine', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const { INBN } = (await sim.execute(token, 'APS450MI', 'AddHead', { SUNO: 'SUP00001', IVDT: '20260320' })).json().results[0].records[0];
  const res = (await sim.execute(token, 'APS450MI', 'AddLine', { INBN, RDTP: '1', PUNO: '4000001', IVQA: '1' })).json().results[0];
  assert.equal(res.errorField, 'PNLI');
});

test('the same seed gives the same tenant; admin state and supplier mutation work', async (t) => {
  const a = build(t, { seed: 42 });
  const b = build(t, { seed: 42 });
  assert.deepEqual((await a.app.inject({ url: '/_sandbox/state/suppliers' })).json(), (await b.app.inject({ url: '/_sandbox/state/suppliers' })).json());
  assert.equal((await a.app.inject({ url: '/_sandbox/state/purchase-orders' })).json()[0].lines.length, 2);
  const changed = await a.app.inject({ method: 'PUT', url: '/_sandbox/state/suppliers/SUP00001', payload: { SUNM: 'Renamed' } });
  assert.equal(changed.statusCode, 200);
  assert.equal(a.state.suppliers.get('SUP00001')!.SUNM, 'Renamed');
  assert.equal((await a.app.inject({ url: '/_sandbox/state/invoice-batches' })).json().length, 0);
});

test('injected faults apply to the gateway', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  await sim.app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { path: `/${sim.file.ti}/M3`, status: 503, times: 1 } });
  assert.equal((await sim.execute(token, 'CRS620MI', 'LstByNumber')).statusCode, 503);
  assert.equal((await sim.execute(token, 'CRS620MI', 'LstByNumber')).statusCode, 200);
});

test('MRS001MI/LstTransactions lists the transactions of a program; an unknown program is NOK on MINM', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const body = (await sim.execute(token, 'MRS001MI', 'LstTransactions', { MINM: 'CRS620MI' }, ';maxrecs=0')).json();
  const names = body.results[0].records.map((r: Record<string, string>) => r.TRNM);
  assert.ok(['AddSupplier', 'GetBasicData', 'LstByNumber', 'UpdSupplier'].every((n) => names.includes(n)), names.join());
  assert.equal(body.results[0].records.find((r: Record<string, string>) => r.TRNM === 'LstByNumber').SIMR, 'M');
  const unknown = (await sim.execute(token, 'MRS001MI', 'LstTransactions', { MINM: 'XYZ999MI' })).json();
  assert.equal(unknown.nrOfFailedTransactions, 1);
  assert.deepEqual([unknown.results[0].errorType, unknown.results[0].errorField], ['ServerReturnedNOK', 'MINM']);
});
