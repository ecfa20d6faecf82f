import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from './test-support.js';

type Sim = ReturnType<typeof build>;

async function changes(sim: Sim, token: string, fields: Record<string, string> = {}, matrix = ';maxrecs=0') {
  const body = (await sim.execute(token, 'EXT620MI', 'LstByChgDate', fields, matrix)).json();
  assert.equal(body.nrOfFailedTransactions, 0, JSON.stringify(body.results[0]));
  return body.results[0].records as Array<Record<string, string>>;
}

test('LstByChgDate lists every supplier in (LMTS, SUNO) order; maxrecs pages, continuing inclusively from the last (LMTS, SUNO)', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const all = await changes(sim, token);
  assert.deepEqual(all.map((r) => r.SUNO), ['SUP00001', 'SUP00002', 'SUP00003', 'SUP00004', 'SUP00005']);
  assert.ok(all.every((r) => r.LMTS === String(Date.UTC(2026, 2, 2, 9, 0, 0)) && r.LMDT === '20260302' && r.CHNO === '1'));

  const first = await changes(sim, token, {}, ';maxrecs=2');
  assert.deepEqual(first.map((r) => r.SUNO), ['SUP00001', 'SUP00002']);
  const last = first.at(-1)!;
  const next = await changes(sim, token, { LMTS: last.LMTS!, SUNO: last.SUNO! }, ';maxrecs=2');
  assert.deepEqual(next.map((r) => r.SUNO), ['SUP00002', 'SUP00003']);
});

test('a change through CRS620MI moves the supplier to the end of the list with a new LMTS, CHNO and the MI user as CHID', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const seeded = await changes(sim, token);
  sim.advance(1500);
  await sim.execute(token, 'CRS620MI', 'UpdSupplier', { SUNO: 'SUP00002', TEPY: '90' });
  sim.advance(10);
  await sim.execute(token, 'CRS620MI', 'AddSupplier', { SUNO: 'NEW01', SUNM: 'Fresh Parts AB' });

  const since = String(Number(seeded[0]!.LMTS) + 1);
  const changed = await changes(sim, token, { LMTS: since });
  assert.deepEqual(changed.map((r) => [r.SUNO, r.LMTS, r.CHNO, r.CHID]), [
    ['SUP00002', String(Date.UTC(2026, 2, 2, 9, 0, 1, 500)), '2', 'MLCSVC'],
    ['NEW01', String(Date.UTC(2026, 2, 2, 9, 0, 1, 510)), '1', 'MLCSVC'],
  ]);
  assert.equal(changed[0]!.TEPY, '90');
  assert.deepEqual((await changes(sim, token)).map((r) => r.SUNO).slice(-2), ['SUP00002', 'NEW01']);
});

test('the admin route changes a supplier as a person in CRS620 would: new LMTS and CHNO, CHID from the body or M3USER; audit fields in the body are ignored', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  sim.advance(60_000);
  const put = async (suno: string, body: unknown) => sim.app.inject({ method: 'PUT', url: `/_sandbox/state/suppliers/${suno}`, payload: body as object });
  const changed = await put('SUP00003', { SUNM: 'Renamed AB', LMTS: '1', CHNO: '500' });
  assert.equal(changed.statusCode, 200);
  assert.deepEqual(
    { SUNM: changed.json().SUNM, LMTS: changed.json().LMTS, CHNO: changed.json().CHNO, CHID: changed.json().CHID },
    { SUNM: 'Renamed AB', LMTS: String(Date.UTC(2026, 2, 2, 9, 1, 0)), CHNO: '2', CHID: 'M3USER' },
  );
  sim.advance(1);
  assert.equal((await put('SUP00004', { PHNO: '+46 1', CHID: 'ANNA' })).json().CHID, 'ANNA');
  const since = String(Date.UTC(2026, 2, 2, 9, 1, 0));
  assert.deepEqual((await changes(sim, token, { LMTS: since })).map((r) => r.SUNO), ['SUP00003', 'SUP00004']);
});

test('LstByChgDate checks its inputs like any MI transaction', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const bad = (await sim.execute(token, 'EXT620MI', 'LstByChgDate', { LMTS: 'yesterday' })).json().results[0];
  assert.equal(bad.errorType, 'ServerReturnedNOK');
  assert.equal(bad.errorField, 'LMTS');
});

test('the admin route takes the M3 server clock at the change from ?at= (a clock set wrong): LMTS and LMDT carry it', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  const put = (suno: string, query: string) => sim.app.inject({ method: 'PUT', url: `/_sandbox/state/suppliers/${suno}${query}`, payload: { SUNM: 'Typo Clock AB' } });
  const future = await put('SUP00002', '?at=2099-01-01T00:00:00Z');
  assert.equal(future.statusCode, 200);
  assert.deepEqual({ LMTS: future.json().LMTS, LMDT: future.json().LMDT }, { LMTS: String(Date.UTC(2099, 0, 1)), LMDT: '20990101' });
  // Last in (LMTS, SUNO) order, after every real change.
  assert.equal((await changes(sim, token)).at(-1)!.SUNO, 'SUP00002');
  assert.equal((await put('SUP00002', '?at=tomorrow')).statusCode, 400);
});
