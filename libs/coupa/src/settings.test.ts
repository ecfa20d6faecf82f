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
