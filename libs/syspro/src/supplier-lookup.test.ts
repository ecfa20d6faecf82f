import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMlcError } from '@mlc/errors';
import type { ODataQuery, SysproODataClient } from './odata-client.js';
import { createSysproSupplierLookup } from './supplier-lookup.js';

function fakeOData(rows: Array<Record<string, unknown>>) {
  const asked: Array<{ entitySet: string; query: ODataQuery | undefined }> = [];
  const odata: SysproODataClient = {
    async *pages(entitySet, query) {
      asked.push({ entitySet, query });
      yield { rows: rows.filter((r) => query?.filter?.text.includes(`'${String(r.SupCode ?? r.Supplier).trim()}'`)), url: '/x' };
    },
  };
  return { odata, asked };
}

test('finds a supplier by its number on the OData side, one row, the key column only', async () => {
  const { odata, asked } = fakeOData([{ Supplier: 'ACME01   ' }]);
  const lookup = createSysproSupplierLookup({ odata });
  assert.deepEqual(await lookup.find('ACME01'), { id: 'ACME01' });
  assert.equal(await lookup.find("O'BRIEN"), undefined);
  assert.deepEqual(
    asked.map((a) => [a.entitySet, a.query?.filter?.text, a.query?.select, a.query?.top]),
    [
      ['ApSupplier', "Supplier eq 'ACME01'", 'Supplier', 1],
      ['ApSupplier', "Supplier eq 'O''BRIEN'", 'Supplier', 1],
    ],
  );
});

test('entity set and key column follow the connection, and must be plain names', async () => {
  const { odata, asked } = fakeOData([{ SupCode: 'B1' }]);
  assert.deepEqual(await createSysproSupplierLookup({ odata, entitySet: 'VendorView', numberColumn: 'SupCode' }).find('B1'), { id: 'B1' });
  assert.equal(asked[0]?.entitySet, 'VendorView');
  assert.throws(() => createSysproSupplierLookup({ odata, numberColumn: 'Supplier; drop' }), (e: unknown) => isMlcError(e) && e.code === 'MLC_CONFIG_INVALID');
});
