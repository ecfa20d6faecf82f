import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { isMlcError } from '@mlc/errors';
import { createSysproODataClient, type ODataQuery } from './odata-client.js';
import { f, orderBy } from './odata-filter.js';

const ORIGIN = 'https://syspro.example.local';
const BASE = `${ORIGIN}/SYSPRO8Odata/SYSPROOData`;
const PATH = '/SYSPRO8Odata/SYSPROOData/EDU1/ApSupplier';

function build(t: TestContext, pageSize = 2) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  const pool = agent.get(ORIGIN);
  const client = createSysproODataClient({
    baseUrl: BASE,
    dispatcher: agent,
    company: 'EDU1',
    username: 'INTEG',
    password: 's3cret:with colon',
    pageSize,
  });
  return { pool, client };
}

const rows = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ Supplier: `S${from + i}` }));
const json = { headers: { 'content-type': 'application/json; odata.metadata=minimal' } };

async function collect(client: ReturnType<typeof build>['client'], query?: ODataQuery) {
  const pages: string[][] = [];
  for await (const page of client.pages('ApSupplier', query)) pages.push(page.rows.map((r) => String(r.Supplier)));
  return pages;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; context: Record<string, unknown>; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isMlcError(err)) return err;
    throw err;
  }
  return assert.fail('expected an error');
}

test('pages with $top/$skip until a short page, with Basic auth and literal $ options', async (t) => {
  const { pool, client } = build(t);
  const expectedAuth = `Basic ${Buffer.from('INTEG:s3cret:with colon').toString('base64')}`;
  const seen: string[] = [];
  for (const [skip, count] of [[0, 2], [2, 2], [4, 1]] as const) {
    pool
      .intercept({
        path: (p) => {
          const url = new URL(p, ORIGIN);
          return url.pathname === PATH && (url.searchParams.get('$skip') ?? '0') === String(skip);
        },
        method: 'GET',
        headers: { authorization: expectedAuth, accept: 'application/json' },
      })
      .reply((opts) => {
        seen.push(String(opts.path));
        return { statusCode: 200, data: { '@odata.context': 'x', value: rows(skip, count) }, ...json };
      });
  }
  const query = { filter: f.eq('Supplier', "O'B"), orderby: orderBy(['Supplier']) };
  assert.deepEqual(await collect(client, query), [['S0', 'S1'], ['S2', 'S3'], ['S4']]);
  assert.equal(seen[0], `${PATH}?$filter=Supplier%20eq%20'O''B'&$orderby=Supplier&$top=2`);
  assert.equal(seen[2], `${PATH}?$filter=Supplier%20eq%20'O''B'&$orderby=Supplier&$top=2&$skip=4`);
});

test('follows @odata.nextLink when the service sends one', async (t) => {
  const { pool, client } = build(t);
  pool.intercept({ path: `${PATH}?$top=2`, method: 'GET' }).reply(200, { value: rows(0, 2), '@odata.nextLink': `${BASE}/EDU1/ApSupplier?$skiptoken=abc` }, json);
  pool.intercept({ path: `${PATH}?$skiptoken=abc`, method: 'GET' }).reply(200, { value: rows(2, 2), '@odata.nextLink': 'ApSupplier?$skiptoken=def' }, json);
  pool.intercept({ path: `${PATH}?$skiptoken=def`, method: 'GET' }).reply(200, { value: rows(4, 2) }, json);
  // The last page is full, but with server-driven paging the absence of a nextLink ends the walk.
  assert.deepEqual(await collect(client), [['S0', 'S1'], ['S2', 'S3'], ['S4', 'S5']]);
});

test('a nextLink to another host is refused, not followed with our credentials', async (t) => {
  const { pool, client } = build(t);
  pool.intercept({ path: `${PATH}?$top=2`, method: 'GET' }).reply(200, { value: rows(0, 2), '@odata.nextLink': 'https://evil.example/steal' }, json);
  const err = await codeOf(collect(client));
  assert.equal(err.code, 'MLC_DECODE_FAILED');
  assert.equal(err.context.entitySet, 'ApSupplier');
});

test("a 5,000-row page without a nextLink is SYSPRO's cap: paging goes on", async (t) => {
  const { pool, client } = build(t, 10_000);
  pool.intercept({ path: `${PATH}?$top=10000`, method: 'GET' }).reply(200, { value: rows(0, 5000) }, json);
  pool.intercept({ path: `${PATH}?$top=10000&$skip=5000`, method: 'GET' }).reply(200, { value: rows(5000, 3) }, json);
  const pages = await collect(client);
  assert.deepEqual(pages.map((p) => p.length), [5000, 3]);
  assert.equal(pages[1]![2], 'S5002');
});

test('top bounds the rows read across pages', async (t) => {
  const { pool, client } = build(t);
  pool.intercept({ path: `${PATH}?$top=2`, method: 'GET' }).reply(200, { value: rows(0, 2) }, json);
  pool.intercept({ path: `${PATH}?$top=1&$skip=2`, method: 'GET' }).reply(200, { value: rows(2, 1) }, json);
  assert.deepEqual(await collect(client, { top: 3 }), [['S0', 'S1'], ['S2']]);
});

test('401 is MLC_AUTH_FAILED with the entity set, and no credentials in the error', async (t) => {
  const { pool, client } = build(t);
  pool.intercept({ path: `${PATH}?$top=2`, method: 'GET' }).reply(401, 'Unauthorized');
  const err = await codeOf(collect(client));
  assert.equal(err.code, 'MLC_AUTH_FAILED');
  assert.equal(err.context.entitySet, 'ApSupplier');
  const serialized = JSON.stringify({ message: err.message, context: err.context });
  assert.ok(!serialized.includes('s3cret') && !serialized.includes(Buffer.from('INTEG:s3cret:with colon').toString('base64')));
});

test('malformed JSON and non-collection bodies are MLC_DECODE_FAILED naming entity set and URL', async (t) => {
  const { pool, client } = build(t);
  pool.intercept({ path: `${PATH}?$top=2`, method: 'GET' }).reply(200, '<html>proxy error</html>', { headers: { 'content-type': 'text/html' } });
  const html = await codeOf(collect(client));
  assert.equal(html.code, 'MLC_DECODE_FAILED');
  assert.equal(html.context.url, '/EDU1/ApSupplier?$top=2');
  pool.intercept({ path: `${PATH}?$top=2`, method: 'GET' }).reply(200, { value: 'nope' }, json);
  const shape = await codeOf(collect(client));
  assert.equal(shape.code, 'MLC_DECODE_FAILED');
  assert.deepEqual(shape.context.paths, ['value']);
});

test('configuration that could inject into the URL is refused up front', async (t) => {
  const { client } = build(t);
  assert.equal((await codeOf(collect({ pages: (_s, q) => client.pages('ApSupplier?$expand=x', q) }))).code, 'MLC_CONFIG_INVALID');
  assert.equal((await codeOf(collect(client, { orderby: 'Supplier&$expand=Secret' }))).code, 'MLC_CONFIG_INVALID');
  assert.throws(
    () => createSysproODataClient({ baseUrl: BASE, company: 'EDU1/../x', username: 'a', password: 'b' }),
    (err: unknown) => isMlcError(err) && err.code === 'MLC_CONFIG_INVALID',
  );
});
