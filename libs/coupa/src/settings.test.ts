import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { connectionsFileSchema } from '@mlc/config';
import { coupaClientFromSettings } from './settings.js';

const ORIGIN = 'https://acme.coupahost.example';

test('coupaClientFromSettings: the connection’s URL, credentials, scopes and API version reach Coupa', async (t) => {
  const file = connectionsFileSchema().parse({
    allowLiteralSecrets: true,
    connections: [
      {
        id: 'acme',
        coupa: { url: ORIGIN, clientId: 'mlc', clientSecret: 'c-s3cret', scopes: ['core.supplier.read', 'core.supplier.write'], apiVersion: { value: '1' } },
      },
    ],
  });
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  const pool = agent.get(ORIGIN);
  let tokenRequest = new URLSearchParams();
  pool.intercept({ path: '/oauth2/token', method: 'POST' }).reply((opts) => {
    tokenRequest = new URLSearchParams(String(opts.body));
    return { statusCode: 200, data: { access_token: 'tok', token_type: 'bearer', expires_in: 86_400 }, responseOptions: { headers: { 'content-type': 'application/json' } } };
  });
  let headers: Record<string, string> = {};
  pool.intercept({ path: (p) => p.startsWith('/api/suppliers?'), method: 'GET' }).reply((opts) => {
    headers = opts.headers as Record<string, string>;
    return { statusCode: 200, data: [], responseOptions: { headers: { 'content-type': 'application/json' } } };
  });

  const coupa = coupaClientFromSettings(file.connections[0]!.coupa!, { dispatcher: agent });
  assert.equal(await coupa.findSupplierByNumber('S1'), undefined);
  assert.equal(tokenRequest.get('client_id'), 'mlc');
  assert.equal(tokenRequest.get('client_secret'), 'c-s3cret');
  assert.equal(tokenRequest.get('scope'), 'core.supplier.read core.supplier.write');
  assert.equal(headers['x-coupa-api-version'], '1');
  assert.equal(headers.authorization, 'Bearer tok');
});

test('findSuppliersByNumbers: a full page with a number missing asks for that number alone (two suppliers of one number may have filled the page)', async (t) => {
  const file = connectionsFileSchema().parse({
    allowLiteralSecrets: true,
    connections: [{ id: 'acme', coupa: { url: ORIGIN, clientId: 'mlc', clientSecret: 'c-s3cret', scopes: ['core.supplier.read'], apiVersion: { value: '1' } } }],
  });
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  const pool = agent.get(ORIGIN);
  const json = { responseOptions: { headers: { 'content-type': 'application/json' } } };
  pool.intercept({ path: '/oauth2/token', method: 'POST' }).reply(200, { access_token: 'tok', token_type: 'bearer', expires_in: 86_400 }, json.responseOptions);
  const asked: string[] = [];
  pool
    .intercept({ path: (p) => p.startsWith('/api/suppliers?'), method: 'GET' })
    .reply((opts) => {
      const query = new URL(String(opts.path), ORIGIN).searchParams;
      asked.push(query.get('number[in]') ?? `number=${query.get('number')}`);
      const data = query.get('number[in]') === 'S1,S2' ? [{ id: 1, name: 'One', number: 'S1' }, { id: 3, name: 'One again', number: 'S1' }] : [{ id: 2, name: 'Two', number: 'S2' }];
      return { statusCode: 200, data, ...json };
    })
    .times(2);
  const coupa = coupaClientFromSettings(file.connections[0]!.coupa!, { dispatcher: agent });
  const found = await coupa.findSuppliersByNumbers(['S1', 'S2']);
  assert.deepEqual(asked, ['S1,S2', 'number=S2']);
  assert.deepEqual([...found].map(([n, s]) => [n, s.id]), [['S1', 1], ['S2', 2]]);
});
