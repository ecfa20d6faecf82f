import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { connectionsFileSchema } from '@mlc/config';
import { sysproEnetClientFromSettings, sysproODataClientFromSettings } from './settings.js';

const ORIGIN = 'https://syspro.example.local';

function settings() {
  const file = connectionsFileSchema({ env: { ENET_PW: 'op-s3cret' } }).parse({
    allowLiteralSecrets: true,
    connections: [
      {
        id: 'acme',
        syspro: {
          odata: { url: `${ORIGIN}/SYSPRO8Odata/SYSPROOData`, company: 'EDU1', username: 'INTEG', password: 'od-s3cret', pageSize: 2 },
          enet: { url: `${ORIGIN}/SYSPROWCFService/Rest`, operator: 'ADMIN', operatorPassword: { env: 'ENET_PW' }, companyId: 'EDU1', companyPassword: 'co-s3cret' },
        },
      },
    ],
  });
  return file.connections[0]!.syspro!;
}

function mockAgent(t: TestContext) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  return { agent, pool: agent.get(ORIGIN) };
}

test('sysproODataClientFromSettings: service root, company, operator, password and page size from the connection', async (t) => {
  const { agent, pool } = mockAgent(t);
  let path = '';
  let authorization = '';
  pool.intercept({ path: (p) => p.startsWith('/SYSPRO8Odata/SYSPROOData/EDU1/ApSupplier'), method: 'GET' }).reply((opts) => {
    path = String(opts.path);
    authorization = (opts.headers as Record<string, string>).authorization ?? '';
    return { statusCode: 200, data: { value: [{ Supplier: 'S1' }] }, responseOptions: { headers: { 'content-type': 'application/json' } } };
  });
  const client = sysproODataClientFromSettings(settings().odata, { dispatcher: agent });
  const pages = [];
  for await (const page of client.pages('ApSupplier')) pages.push(page.rows);
  assert.deepEqual(pages, [[{ Supplier: 'S1' }]]);
  assert.match(decodeURIComponent(path), /\$top=2/);
  assert.equal(authorization, `Basic ${Buffer.from('INTEG:od-s3cret').toString('base64')}`);
});

test('sysproEnetClientFromSettings: logs on with the connection’s operator and company credentials', async (t) => {
  const { agent, pool } = mockAgent(t);
  let logon = new URLSearchParams();
  pool.intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Logon?'), method: 'GET' }).reply((opts) => {
    logon = new URL(String(opts.path), ORIGIN).searchParams;
    return { statusCode: 200, data: '0c0c0c0c-1111-2222-3333-444455556666', responseOptions: { headers: { 'content-type': 'text/plain' } } };
  });
  pool.intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Transaction/Post?'), method: 'GET' }).reply(() => ({
    statusCode: 200,
    data: '<PostOut/>',
    responseOptions: { headers: { 'content-type': 'application/xml' } },
  }));
  const client = sysproEnetClientFromSettings(settings().enet!, { dispatcher: agent });
  await client.transaction('APSTIN', '<Parameters/>', '<PostIn/>');
  assert.equal(logon.get('Operator'), 'ADMIN');
  assert.equal(logon.get('OperatorPassword'), 'op-s3cret');
  assert.equal(logon.get('CompanyId'), 'EDU1');
  assert.equal(logon.get('CompanyPassword'), 'co-s3cret');
});
