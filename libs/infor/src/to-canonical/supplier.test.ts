import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SupplierData } from '@mlc/events';
import { DEFAULT_INFOR_MAPPING, InforMapping } from '../mapping.js';
import type { MiRecord } from '../wire.js';
import { supplierChangedAt, toCanonicalSupplier } from './supplier.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));
const record = () => fixture('supplier-master.m3.json') as MiRecord;

test('an M3 supplier master record becomes the canonical supplier, with LMTS as its change time and CHID as who', () => {
  const result = toCanonicalSupplier(record(), DEFAULT_INFOR_MAPPING);
  assert.ok(result.ok);
  assert.deepEqual(result.value, fixture('supplier-master.canonical.json'));
  assert.ok(SupplierData.safeParse(result.value.data).success);
});

test('status follows mappings.infor.supplier.status: the active code, a distinct on-hold code, anything else inactive', () => {
  const statusOf = (STAT: string, mapping = DEFAULT_INFOR_MAPPING) => {
    const result = toCanonicalSupplier({ ...record(), STAT }, mapping);
    assert.ok(result.ok);
    return result.value.data.status;
  };
  assert.equal(statusOf('20'), 'active');
  assert.equal(statusOf('90'), 'inactive');
  assert.equal(statusOf('10'), 'inactive');
  const held = InforMapping.parse({ supplier: { status: { 'on-hold': '50' } } });
  assert.equal(statusOf('50', held), 'on-hold');
  assert.equal(statusOf('90', held), 'inactive');
});

test('blank optional fields are left out; M3 padding is trimmed', () => {
  const sparse: MiRecord = { SUNO: 'SUP1  ', SUNM: ' Lean Ltd ', STAT: '20', CUCD: '', TEPY: '  ', PHNO: '' };
  const result = toCanonicalSupplier(sparse, DEFAULT_INFOR_MAPPING);
  assert.ok(result.ok);
  assert.deepEqual(result.value, { key: 'SUP1', data: { number: 'SUP1', name: 'Lean Ltd', status: 'active' } });
});

test('records that cannot be canonical suppliers are unmappable, naming the field', () => {
  for (const [changes, field] of [
    [{ SUNO: '' }, 'SUNO'],
    [{ SUNM: '  ' }, 'SUNM'],
    [{ CUCD: 'KR' }, 'CUCD'],
    [{ CSCD: 'SWE' }, 'CSCD'],
  ] as const) {
    const result = toCanonicalSupplier({ ...record(), ...changes }, DEFAULT_INFOR_MAPPING);
    assert.ok(!result.ok, field);
    assert.equal(result.error.code, 'MLC_MAPPING_FAILED');
    assert.equal(result.error.context.field, field);
  }
});

test('the change time: LMTS, else LMDT at midnight UTC, else none', () => {
  assert.equal(supplierChangedAt({ LMTS: '1741781096123', LMDT: '20250101' }), '2025-03-12T12:04:56.123Z');
  assert.equal(supplierChangedAt({ LMTS: '0', LMDT: '20250101' }), '2025-01-01T00:00:00.000Z');
  assert.equal(supplierChangedAt({ LMDT: '20251341' }), undefined);
  assert.equal(supplierChangedAt({}), undefined);
});
