import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MiRecord } from '../wire.js';
import type { M3PoLine } from './purchase-order.js';
import { planPoLineChanges } from './purchase-order-lines.js';

const wanted = (fields: { PNLI: string } & Record<string, string>): M3PoLine => ({ ITNO: 'BOLT', ORQA: '100', PUPR: '0.25', ...fields });
// As PPS200MI LstLine answers: strings, M3's number formatting, fields we never sent.
const m3 = (fields: Record<string, string>): MiRecord => ({ PUNO: '4000001', PNLS: '0', ITNO: 'BOLT', ORQA: '100', PUPR: '0.25', PUUN: 'EA', RVQA: '0', ...fields });

test('identical lines need nothing: the plan of an order already in line is empty', () => {
  const lines = [wanted({ PNLI: '1', DWDT: '20260320', PITD: 'Bolts' }), wanted({ PNLI: '2', ITNO: 'NUT' })];
  const present = [m3({ PNLI: '1', DWDT: '20260320', PITD: 'Bolts' }), m3({ PNLI: '2', ITNO: 'NUT', DWDT: '20260301' })];
  assert.deepEqual(planPoLineChanges(lines, present), { add: [], update: [], orphaned: [], unchangeable: [] });
});

test('numbers compare by value, not by spelling: 100.0 = 100.000000, 1.50 = 1.5', () => {
  const plan = planPoLineChanges([wanted({ PNLI: '1', ORQA: '100.0', PUPR: '1.50' })], [m3({ PNLI: '1', ORQA: '100.000000', PUPR: '1.5' })]);
  assert.deepEqual(plan.update, []);
});

test('a changed quantity, price, date or name updates that line with every updatable field of the Coupa line', () => {
  const base = { ORQA: '100', PUPR: '0.25', DWDT: '20260320', PITD: 'Bolts' };
  for (const [field, value] of [['ORQA', '120'], ['PUPR', '0.3'], ['DWDT', '20260401'], ['PITD', 'Hex bolts']] as const) {
    const plan = planPoLineChanges([wanted({ PNLI: '1', ...base, [field]: value })], [m3({ PNLI: '1', ...base })]);
    assert.deepEqual(plan.update, [{ PNLI: '1', PNLS: '0', ...base, [field]: value }], field);
    assert.deepEqual(plan.add, []);
  }
});

test('fields the Coupa line does not carry are neither compared nor sent (M3 keeps its value)', () => {
  const plan = planPoLineChanges([wanted({ PNLI: '1', ORQA: '5' })], [m3({ PNLI: '1', ORQA: '4', DWDT: '20260101', PITD: 'From item master' })]);
  assert.deepEqual(plan.update, [{ PNLI: '1', PNLS: '0', ORQA: '5', PUPR: '0.25' }]);
});

test('a field M3 did not return counts as different', () => {
  const plan = planPoLineChanges([wanted({ PNLI: '1', DWDT: '20260320' })], [m3({ PNLI: '1' })]);
  assert.equal(plan.update.length, 1);
});

test('lines match by number (PNLI 010 = 10); new Coupa lines are added, nothing else', () => {
  const plan = planPoLineChanges([wanted({ PNLI: '10' }), wanted({ PNLI: '20', ITNO: 'NUT' })], [m3({ PNLI: '010' })]);
  assert.deepEqual(plan.add, [wanted({ PNLI: '20', ITNO: 'NUT' })]);
  assert.deepEqual(plan.update, []);
});

test('M3 lines gone from the Coupa PO are reported as orphaned, in line order, never planned for change', () => {
  const plan = planPoLineChanges([wanted({ PNLI: '2' })], [m3({ PNLI: '3' }), m3({ PNLI: '2' }), m3({ PNLI: '1' })]);
  assert.deepEqual(plan.orphaned, ['1', '3']);
  assert.deepEqual([plan.add, plan.update], [[], []]);
});

test("an update addresses the line's own suffix; M3's sub-lines (PNLS > 0) are neither orphans nor targets", () => {
  const present = [m3({ PNLI: '1', PNLS: '1', ORQA: '40' }), m3({ PNLI: '1', PNLS: '0', ORQA: '60' })];
  const plan = planPoLineChanges([wanted({ PNLI: '1', ORQA: '70' })], present);
  assert.deepEqual(plan.update, [{ PNLI: '1', PNLS: '0', ORQA: '70', PUPR: '0.25' }]);
  assert.deepEqual(plan.orphaned, []);
});

test('a changed item or unit is reported as unchangeable; the updatable fields of that line still go', () => {
  const plan = planPoLineChanges([wanted({ PNLI: '1', ITNO: 'SCREW', PUUN: 'BOX', ORQA: '7' })], [m3({ PNLI: '1', ORQA: '6' })]);
  assert.deepEqual(plan.unchangeable, [{ PNLI: '1', fields: ['ITNO', 'PUUN'] }]);
  assert.deepEqual(plan.update, [{ PNLI: '1', PNLS: '0', ORQA: '7', PUPR: '0.25' }]);
});

test('applying the plan and planning again gives nothing to do (idempotent)', () => {
  const lines = [wanted({ PNLI: '1', ORQA: '120', DWDT: '20260401' }), wanted({ PNLI: '2', ITNO: 'NUT' })];
  const present = [m3({ PNLI: '1', DWDT: '20260320' })];
  const plan = planPoLineChanges(lines, present);
  const applied = [
    ...present.map((line) => ({ ...line, ...plan.update.find((u) => u.PNLI === line.PNLI) })),
    ...plan.add.map((line) => m3({ ...line, PNLS: '0' })),
  ];
  assert.deepEqual(planPoLineChanges(lines, applied), { add: [], update: [], orphaned: [], unchangeable: [] });
});
