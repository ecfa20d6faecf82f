import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { AUTH, ODATA, basic, build, pathOf } from '../test-support.js';

test('401 with WWW-Authenticate: Basic without valid OData credentials', async (t) => {
  const { app } = build(t, {
    credentials: { operators: [{ operator: 'MLC', password: 'p', odataPassword: 'odata' }, { operator: 'ENETONLY', password: 'p' }] },
  });
  for (const headers of [{}, basic('MLC', 'wrong'), basic('NOBODY', 'odata'), basic('ENETONLY', 'p'), { authorization: 'Bearer x' }]) {
    const res = await app.inject({ url: `${ODATA}/ApSupplier`, headers });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['www-authenticate']), /^Basic/);
    assert.equal(res.json().error.code, 'Unauthorized');
  }
  assert.equal((await app.inject({ url: `${ODATA}/ApSupplier`, headers: basic('MLC', 'odata') })).statusCode, 200);
  assert.equal((await app.inject({ url: `${ODATA}/$metadata` })).statusCode, 401);
});

test('following @odata.nextLink visits every row once, for key order, $filter and $orderby', async (t) => {
  const { app, state } = build(t, { pageSize: 7, sizes: { suppliers: 53 } });
  const queries = ['', "?$filter=Currency eq 'ZAR' or OnHold eq 'Y'", '?$orderby=SupplierName desc,Currency&$select=Supplier,SupplierName', '?$top=30&$skip=4'];
  for (const query of queries) {
    const seen: string[] = [];
    let url: string | undefined = `${ODATA}/ApSupplier${query}`;
    let pages = 0;
    while (url) {
      const res: LightMyRequestResponse = await app.inject({ url, headers: AUTH });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.ok(body.value.length <= 7);
      seen.push(...body.value.map((r: { Supplier: string }) => r.Supplier));
      url = body['@odata.nextLink'] ? pathOf(body['@odata.nextLink']) : undefined;
      pages += 1;
    }
    const expected = [...state.table('ApSupplier').scan()]
      .filter((r) => query.includes('$filter') ? r.Currency === 'ZAR' || r.OnHold === 'Y' : true)
      .map((r) => r.Supplier as string);
    const want = query.includes('$top') ? expected.slice(4, 34) : expected;
    assert.equal(new Set(seen).size, seen.length, `duplicates for ${query}`);
    assert.deepEqual([...seen].sort(), [...want].sort(), `rows for ${query}`);
    assert.equal(pages, Math.max(1, Math.ceil(want.length / 7)));
  }
});

test('$orderby sorts, with the key as tie-breaker', async (t) => {
  const { app } = build(t, { sizes: { suppliers: 40 } });
  const res = await app.inject({ url: `${ODATA}/ApSupplier?$orderby=Currency desc,SupplierName&$select=Supplier,Currency,SupplierName`, headers: AUTH });
  const rows = res.json().value as Array<{ Supplier: string; Currency: string; SupplierName: string }>;
  for (let i = 1; i < rows.length; i += 1) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    assert.ok(a.Currency > b.Currency || (a.Currency === b.Currency && (a.SupplierName.toLowerCase() < b.SupplierName.toLowerCase() || (a.SupplierName.toLowerCase() === b.SupplierName.toLowerCase() && a.Supplier < b.Supplier))));
  }
  assert.deepEqual(Object.keys(rows[0]!), ['Supplier', 'Currency', 'SupplierName']);
});

test('no response carries more than 5,000 rows; the rest is behind nextLink', async (t) => {
  const { app } = build(t, { sizes: { suppliers: 12_000 } });
  const first = (await app.inject({ url: `${ODATA}/ApSupplier?$top=6000&$count=true&$select=Supplier`, headers: AUTH })).json();
  assert.equal(first.value.length, 5000);
  assert.equal(first['@odata.count'], 12_000);
  const next = new URL(first['@odata.nextLink']);
  assert.equal(next.searchParams.get('$top'), '1000');
  assert.equal(next.searchParams.get('$skip'), '5000');
  const second = (await app.inject({ url: pathOf(first['@odata.nextLink']), headers: AUTH })).json();
  assert.equal(second.value.length, 1000);
  assert.equal(second['@odata.nextLink'], undefined);
  assert.equal(second.value[0].Supplier, 'S005001');

  const unbounded = (await app.inject({ url: `${ODATA}/ApSupplier?$filter=TimeStamp gt 0`, headers: AUTH })).json();
  assert.equal(unbounded.value.length, 5000);
  assert.ok(unbounded['@odata.nextLink']);
});

test('Prefer: odata.maxpagesize shrinks pages', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ url: `${ODATA}/GenMaster`, headers: { ...AUTH, prefer: 'odata.maxpagesize=5' } });
  assert.equal(res.json().value.length, 5);
  assert.equal(res.headers['preference-applied'], 'odata.maxpagesize=5');
});

test('bad or unsupported query options are 400 with an OData error body', async (t) => {
  const { app } = build(t);
  const cases: Array<[string, string]> = [
    ['$filter=Nope eq 1', 'UnknownProperty'],
    ["$filter=Supplier eq 'x' AND 1 eq 1", 'FilterSyntax'],
    ['$filter=', 'FilterSyntax'],
    ['$select=Supplier,Nope', 'UnknownProperty'],
    ['$orderby=Supplier sideways', 'InvalidQueryOption'],
    ['$orderby=Nope', 'UnknownProperty'],
    ['$top=-1', 'InvalidQueryOption'],
    ['$skip=abc', 'InvalidQueryOption'],
    ['$count=yes', 'InvalidQueryOption'],
    ['$expand=Lines', 'UnsupportedSyntax'],
    ['$skiptoken=abc', 'UnsupportedSyntax'],
    ['$format=xml', 'UnsupportedSyntax'],
    ['$foo=1', 'InvalidQueryOption'],
    ['$top=1&$top=2', 'InvalidQueryOption'],
    ['$filter=%E0%A4%A', 'InvalidQueryOption'],
  ];
  for (const [query, code] of cases) {
    const res = await app.inject({ url: `${ODATA}/ApSupplier?${query}`, headers: AUTH });
    assert.equal(res.statusCode, 400, query);
    assert.equal(res.json().error.code, code, query);
    assert.equal(typeof res.json().error.message, 'string');
  }
  assert.equal((await app.inject({ url: `${ODATA}/ApSupplier?customOption=1&$format=json`, headers: AUTH })).statusCode, 200);
});

test('unknown entity sets and companies are 404; key access is refused', async (t) => {
  const { app } = build(t);
  const missing = await app.inject({ url: `${ODATA}/ArCustomer`, headers: AUTH });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'UnknownEntitySet');
  const company = await app.inject({ url: '/SYSPRO8Odata/SYSPROOData/XYZ/ApSupplier', headers: AUTH });
  assert.equal(company.json().error.code, 'UnknownCompany');
  const byKey = await app.inject({ url: `${ODATA}/ApSupplier('S000001')`, headers: AUTH });
  assert.equal(byKey.json().error.code, 'UnsupportedSyntax');
});

test('unencoded + in a date-time offset keeps its meaning', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ url: `${ODATA}/PorMasterHdr?$filter=OrderEntryDate ge 2024-06-01T02:00:00+02:00&$select=OrderEntryDate`, headers: AUTH });
  assert.equal(res.statusCode, 200, res.body);
  for (const row of res.json().value) assert.ok(row.OrderEntryDate >= '2024-06-01T00:00:00.000Z');
});

test('service document, $metadata and $count', async (t) => {
  const { app } = build(t);
  const doc = (await app.inject({ url: `${ODATA}/`, headers: AUTH })).json();
  assert.ok(doc.value.some((s: { name: string }) => s.name === 'PorMasterDetail'));
  const metadata = await app.inject({ url: `${ODATA}/$metadata`, headers: AUTH });
  assert.match(metadata.headers['content-type'] as string, /xml/);
  assert.match(metadata.body, /<EntitySet Name="ApSupplier" EntityType="SYSPRO.ApSupplier"\/>/);
  assert.match(metadata.body, /<Property Name="TimeStamp" Type="Edm.Int64"/);
  const count = await app.inject({ url: `${ODATA}/ApSupplier/$count?$filter=OnHold eq 'N' or OnHold eq 'Y'`, headers: AUTH });
  assert.equal(count.body, '50');
});
