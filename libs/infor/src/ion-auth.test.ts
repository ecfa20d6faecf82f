import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { createIonAuth } from './ion-auth.js';
import { parseIonApi } from './ionapi.js';

const credentials = parseIonApi({
  ti: 'ACME_TST',
  ci: 'ACME_TST~ci',
  cs: 'cs-secret',
  iu: 'https://gw.ion.test',
  pu: 'https://sso.ion.test/ACME_TST/as/',
  ot: 'token.oauth2',
  or: 'revoke_token.oauth2',
  saak: 'ACME_TST#saak',
  sask: 'sask-secret',
});

function tokenServer(t: TestContext, expiresIn = 3600) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  const requests: Array<{ authorization: string | undefined; body: Record<string, string> }> = [];
  agent
    .get('https://sso.ion.test')
    .intercept({ path: '/ACME_TST/as/token.oauth2', method: 'POST' })
    .reply((options) => {
      const headers = options.headers as Record<string, string>;
      requests.push({ authorization: headers.authorization, body: Object.fromEntries(new URLSearchParams(String(options.body))) });
      return { statusCode: 200, data: { access_token: `token-${requests.length}`, token_type: 'Bearer', expires_in: expiresIn }, responseOptions: { headers: { 'content-type': 'application/json' } } };
    })
    .persist();
  return { agent, requests };
}

test('password grant with the service account, client id/secret as HTTP Basic', async (t) => {
  const { agent, requests } = tokenServer(t);
  const auth = createIonAuth({ credentials, dispatcher: agent });
  assert.equal(await auth.getToken(), 'token-1');
  assert.equal(requests[0]!.authorization, `Basic ${Buffer.from('ACME_TST~ci:cs-secret').toString('base64')}`);
  assert.deepEqual(requests[0]!.body, { grant_type: 'password', username: 'ACME_TST#saak', password: 'sask-secret' });
});

test('the token is refreshed 5 minutes before it expires, not earlier (injected clock)', async (t) => {
  const { agent, requests } = tokenServer(t, 3600);
  let clock = 1_000_000;
  const auth = createIonAuth({ credentials, dispatcher: agent, now: () => clock });
  assert.equal(await auth.getToken(), 'token-1');
  clock += (3600 - 300 - 1) * 1000;
  assert.equal(await auth.getToken(), 'token-1');
  assert.equal(requests.length, 1);
  clock += 2000;
  assert.equal(await auth.getToken(), 'token-2');
  assert.equal(requests.length, 2);
});

test('concurrent callers at refresh time share one token request', async (t) => {
  const { agent, requests } = tokenServer(t);
  let clock = 0;
  const auth = createIonAuth({ credentials, dispatcher: agent, now: () => clock });
  await auth.getToken();
  clock += 3400 * 1000;
  const tokens = await Promise.all(Array.from({ length: 10 }, () => auth.getToken()));
  assert.deepEqual(new Set(tokens), new Set(['token-2']));
  assert.equal(requests.length, 2);
});

test('refreshBeforeSeconds is configurable', async (t) => {
  const { agent, requests } = tokenServer(t, 3600);
  let clock = 0;
  const auth = createIonAuth({ credentials, dispatcher: agent, refreshBeforeSeconds: 600, now: () => clock });
  await auth.getToken();
  clock += 3001 * 1000;
  await auth.getToken();
  assert.equal(requests.length, 2);
});
