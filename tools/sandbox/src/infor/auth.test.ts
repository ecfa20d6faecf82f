import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IonApiFile } from './ionapi.js';
import { build } from './test-support.js';

test('the .ionapi file points at this server: token URL = pu + ot, API base = iu/ti', (t) => {
  const { file } = build(t);
  assert.doesNotThrow(() => IonApiFile.parse(file));
  assert.equal(file.pu + file.ot, `http://sandbox.test/${file.ti}/as/token.oauth2`);
  assert.equal(file.pu + file.or, `http://sandbox.test/${file.ti}/as/revoke_token.oauth2`);
});

test('password grant with Basic client auth issues a bearer token that the gateway accepts', async (t) => {
  const sim = build(t);
  const res = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: { ...sim.formHeaders, authorization: sim.basic },
    payload: sim.form({ grant_type: 'password', username: sim.file.saak, password: sim.file.sask }),
  });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 7200);
  assert.ok(body.refresh_token);
  assert.equal((await sim.execute(body.access_token, 'CRS620MI', 'LstByNumber')).statusCode, 200);
});

test('client credentials are also accepted as body fields', async (t) => {
  const sim = build(t);
  const res = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: sim.formHeaders,
    payload: sim.form({ grant_type: 'password', username: sim.file.saak, password: sim.file.sask, client_id: sim.file.ci, client_secret: sim.file.cs }),
  });
  assert.equal(res.statusCode, 200);
});

test('bad client is 401 invalid_client, bad service account is 400 invalid_grant, other grants unsupported', async (t) => {
  const sim = build(t);
  const wrongClient = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: { ...sim.formHeaders, authorization: `Basic ${Buffer.from(`${sim.file.ci}:nope`).toString('base64')}` },
    payload: sim.form({ grant_type: 'password', username: sim.file.saak, password: sim.file.sask }),
  });
  assert.equal(wrongClient.statusCode, 401);
  assert.equal(wrongClient.json().error, 'invalid_client');
  assert.match(String(wrongClient.headers['www-authenticate']), /^Basic /);

  const wrongUser = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: { ...sim.formHeaders, authorization: sim.basic },
    payload: sim.form({ grant_type: 'password', username: sim.file.saak, password: 'nope' }),
  });
  assert.equal(wrongUser.statusCode, 400);
  assert.equal(wrongUser.json().error, 'invalid_grant');

  const clientCredentials = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: { ...sim.formHeaders, authorization: sim.basic },
    payload: sim.form({ grant_type: 'client_credentials' }),
  });
  assert.equal(clientCredentials.statusCode, 400);
  assert.equal(clientCredentials.json().error, 'unsupported_grant_type');
});

test('missing, unknown and expired bearer tokens get 401 with a Bearer challenge', async (t) => {
  const sim = build(t);
  const missing = await sim.app.inject({ url: `/${sim.file.ti}/M3/m3api-rest/v2/execute/CRS620MI/LstByNumber` });
  assert.equal(missing.statusCode, 401);
  assert.match(String(missing.headers['www-authenticate']), /^Bearer /);
  assert.equal((await sim.execute('not-a-token', 'CRS620MI', 'LstByNumber')).statusCode, 401);

  const token = await sim.token();
  sim.advance(7200 * 1000);
  const expired = await sim.execute(token, 'CRS620MI', 'LstByNumber');
  assert.equal(expired.statusCode, 401);
  assert.match(String(expired.headers['www-authenticate']), /error="invalid_token"/);
});

test('POST /_sandbox/tokens/expire expires issued tokens; the refresh token still works', async (t) => {
  const sim = build(t);
  const res = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: { ...sim.formHeaders, authorization: sim.basic },
    payload: sim.form({ grant_type: 'password', username: sim.file.saak, password: sim.file.sask }),
  });
  const { access_token: access, refresh_token: refresh } = res.json();
  const expired = await sim.app.inject({ method: 'POST', url: '/_sandbox/tokens/expire' });
  assert.equal(expired.json().expired, 1);
  assert.equal((await sim.execute(access, 'CRS620MI', 'LstByNumber')).statusCode, 401);

  const refreshed = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: { ...sim.formHeaders, authorization: sim.basic },
    payload: sim.form({ grant_type: 'refresh_token', refresh_token: refresh }),
  });
  assert.equal(refreshed.statusCode, 200);
  assert.equal((await sim.execute(refreshed.json().access_token, 'CRS620MI', 'LstByNumber')).statusCode, 200);
});

test('revoking an access token makes the gateway refuse it; revoking twice is fine', async (t) => {
  const sim = build(t);
  const token = await sim.token();
  for (let i = 0; i < 2; i += 1) {
    const revoked = await sim.app.inject({
      method: 'POST',
      url: sim.revokePath,
      headers: { ...sim.formHeaders, authorization: sim.basic },
      payload: sim.form({ token, token_type_hint: 'access_token' }),
    });
    assert.equal(revoked.statusCode, 200);
  }
  assert.equal((await sim.execute(token, 'CRS620MI', 'LstByNumber')).statusCode, 401);
});

test('revoking a refresh token revokes its access tokens and refuses further refreshes', async (t) => {
  const sim = build(t);
  const issued = (
    await sim.app.inject({
      method: 'POST',
      url: sim.tokenPath,
      headers: { ...sim.formHeaders, authorization: sim.basic },
      payload: sim.form({ grant_type: 'password', username: sim.file.saak, password: sim.file.sask }),
    })
  ).json();
  await sim.app.inject({ method: 'POST', url: sim.revokePath, headers: { ...sim.formHeaders, authorization: sim.basic }, payload: sim.form({ token: issued.refresh_token }) });
  assert.equal((await sim.execute(issued.access_token, 'CRS620MI', 'LstByNumber')).statusCode, 401);
  const refreshed = await sim.app.inject({
    method: 'POST',
    url: sim.tokenPath,
    headers: { ...sim.formHeaders, authorization: sim.basic },
    payload: sim.form({ grant_type: 'refresh_token', refresh_token: issued.refresh_token }),
  });
  assert.equal(refreshed.json().error, 'invalid_grant');
});

test('past the requests-per-minute limit the gateway answers 429 with Retry-After, until the window moves', async (t) => {
  const sim = build(t, { requestsPerMinute: 3 });
  const token = await sim.token();
  for (let i = 0; i < 3; i += 1) {
    assert.equal((await sim.execute(token, 'CRS620MI', 'LstByNumber')).statusCode, 200);
    sim.advance(1000);
  }
  const limited = await sim.execute(token, 'CRS620MI', 'LstByNumber');
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '57');
  sim.advance(57_000);
  assert.equal((await sim.execute(token, 'CRS620MI', 'LstByNumber')).statusCode, 200);
});

test('requestsPerMinute: false disables throttling', async (t) => {
  const sim = build(t, { requestsPerMinute: false });
  const token = await sim.token();
  for (let i = 0; i < 301; i += 1) assert.equal((await sim.execute(token, 'CRS620MI', 'LstByNumber', {}, ';maxrecs=1')).statusCode, 200);
});
