import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@mlc/log';
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

const REVOKE_PATH = '/ACME_TST/as/revoke_token.oauth2';
const SECRETS = ['cs-secret', 'sask-secret', Buffer.from('ACME_TST~ci:cs-secret').toString('base64')];

type RevokeReply = { statusCode: number; data?: string | object; delayMs?: number };

function revokeServer(agent: MockAgent, reply: RevokeReply = { statusCode: 200 }) {
  const requests: Array<{ authorization: string | undefined; body: Record<string, string> }> = [];
  const scope = agent
    .get('https://sso.ion.test')
    .intercept({ path: REVOKE_PATH, method: 'POST' })
    .reply((options) => {
      const headers = options.headers as Record<string, string>;
      requests.push({ authorization: headers.authorization, body: Object.fromEntries(new URLSearchParams(String(options.body))) });
      return { statusCode: reply.statusCode, data: reply.data ?? '', responseOptions: { headers: { 'content-type': 'application/json' } } };
    });
  if (reply.delayMs !== undefined) scope.delay(reply.delayMs);
  scope.persist();
  return requests;
}

function captureLog() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger: createLogger({ name: 'ion-auth-test', level: 'debug', destination }), lines, records };
}

function assertNoSecret(lines: readonly string[], token: string) {
  for (const secret of [token, ...SECRETS]) {
    assert.ok(!lines.some((line) => line.includes(secret)), `a secret reached the log: ${lines.join('\n')}`);
  }
}

test('revoke posts the current token to pu + or once, with Basic client auth, and drops it from the cache', async (t) => {
  const { agent, requests: tokenRequests } = tokenServer(t);
  const revokes = revokeServer(agent);
  const auth = createIonAuth({ credentials, dispatcher: agent });
  assert.equal(await auth.getToken(), 'token-1');

  await auth.revoke();
  await auth.revoke();
  assert.deepEqual(revokes, [
    { authorization: `Basic ${Buffer.from('ACME_TST~ci:cs-secret').toString('base64')}`, body: { token: 'token-1', token_type_hint: 'access_token' } },
  ]);
  assert.equal(await auth.getToken(), 'token-2', 'the revoked token is not served again');
  assert.equal(tokenRequests.length, 2);
});

test('revoke without a token ever fetched calls nothing', async (t) => {
  const { agent } = tokenServer(t);
  const revokes = revokeServer(agent);
  await createIonAuth({ credentials, dispatcher: agent }).revoke();
  assert.deepEqual(revokes, []);
});

test('a failing revoke is swallowed with one warn naming the tenant and status, never a token or secret', async (t) => {
  const echo = (token: string) => ({ error: 'server_error', detail: `cannot revoke ${token} for ACME_TST~ci:cs-secret (sask-secret)` });
  for (const reply of [
    { statusCode: 503, data: echo('token-1') },
    { statusCode: 400, data: { error: 'invalid_request', error_description: 'token token-1 unknown' } },
  ]) {
    const { agent } = tokenServer(t);
    revokeServer(agent, reply);
    const log = captureLog();
    const auth = createIonAuth({ credentials, dispatcher: agent, logger: log.logger });
    const token = await auth.getToken();
    await auth.revoke();
    const warns = log.records().filter((r) => r.level === 'warn');
    assert.equal(warns.length, 1, log.lines.join('\n'));
    assert.equal(warns[0]!.tenant, 'ACME_TST');
    assert.equal(warns[0]!.status, reply.statusCode);
    if (reply.statusCode === 400) assert.equal(warns[0]!.oauthError, 'invalid_request');
    assertNoSecret(log.lines, token);
  }
});

test('a revoke endpoint that does not answer costs revokeTimeoutMs, then a warn', async (t) => {
  const { agent } = tokenServer(t);
  revokeServer(agent, { statusCode: 200, delayMs: 10_000 });
  const log = captureLog();
  const auth = createIonAuth({ credentials, dispatcher: agent, revokeTimeoutMs: 100, logger: log.logger });
  const token = await auth.getToken();
  const started = performance.now();
  await auth.revoke();
  assert.ok(performance.now() - started < 2_000, 'revoke gave up at its deadline');
  assert.equal(log.records().find((r) => r.level === 'warn')?.code, 'MLC_HTTP_TIMEOUT');
  assertNoSecret(log.lines, token);
});

test('after ION refused the token, the next token is fetched with the .ionapi credentials read again', async (t) => {
  const { agent, requests } = tokenServer(t);
  const rotated = { ...credentials, serviceAccountSecretKey: parseIonApi({ ti: 'ACME_TST', ci: 'ACME_TST~ci', cs: 'cs-2', iu: 'https://gw.ion.test', pu: 'https://sso.ion.test/ACME_TST/as/', ot: 'token.oauth2', or: 'revoke_token.oauth2', saak: 'ACME_TST#saak', sask: 'sask-rotated' }).serviceAccountSecretKey };
  let rereads = 0;
  const auth = createIonAuth({ credentials, dispatcher: agent, rereadCredentials: () => (rereads++, rotated) });
  auth.invalidate(await auth.getToken());
  assert.equal(rereads, 0, 'not read again before a refusal');
  assert.equal(await auth.getToken(), 'token-2');
  assert.equal(rereads, 1);
  assert.equal(requests[1]!.body.password, 'sask-rotated');
});
