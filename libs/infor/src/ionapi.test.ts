import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { MlcError } from '@mlc/errors';
import { parseIonApi, readIonApiFile } from './ionapi.js';

const FILE = {
  ti: 'ACME_TST',
  cn: 'IntegrationBackend',
  dt: '12',
  ci: 'ACME_TST~clientid',
  cs: 'cs-S3CRET',
  iu: 'https://mingle-ionapi.inforcloudsuite.com',
  pu: 'https://mingle-sso.inforcloudsuite.com:443/ACME_TST/as/',
  oa: 'authorization.oauth2',
  ot: 'token.oauth2',
  or: 'revoke_token.oauth2',
  ev: 'U000000000',
  v: '1.0',
  saak: 'ACME_TST#saak-S3CRET',
  sask: 'sask-S3CRET',
};

test('URLs: token = pu + ot, revoke = pu + or, API base = iu/ti', () => {
  const creds = parseIonApi(FILE);
  assert.equal(creds.tokenUrl, 'https://mingle-sso.inforcloudsuite.com:443/ACME_TST/as/token.oauth2');
  assert.equal(creds.revokeUrl, 'https://mingle-sso.inforcloudsuite.com:443/ACME_TST/as/revoke_token.oauth2');
  assert.equal(creds.apiBaseUrl, 'https://mingle-ionapi.inforcloudsuite.com/ACME_TST');
  assert.equal(creds.m3BaseUrl, 'https://mingle-ionapi.inforcloudsuite.com/ACME_TST/M3/m3api-rest/v2');
  assert.equal(creds.clientId, 'ACME_TST~clientid');
  assert.equal(creds.serviceAccountSecretKey.reveal(), 'sask-S3CRET');
});

test('a pu without its trailing slash and an iu with one still give the right URLs', () => {
  const creds = parseIonApi({ ...FILE, pu: 'https://sso.example/ACME_TST/as', iu: 'https://gw.example/' });
  assert.equal(creds.tokenUrl, 'https://sso.example/ACME_TST/as/token.oauth2');
  assert.equal(creds.apiBaseUrl, 'https://gw.example/ACME_TST');
});

test('secrets never print: inspect and JSON show [secret]', () => {
  const creds = parseIonApi(FILE);
  const shown = `${inspect(creds, { depth: 5 })}${JSON.stringify(creds)}`;
  for (const secret of ['cs-S3CRET', 'saak-S3CRET', 'sask-S3CRET']) assert.ok(!shown.includes(secret), `${secret} leaked`);
});

test('missing and invalid keys: one MLC_CONFIG_INVALID naming each key, no values', () => {
  const { cs: _cs, saak: _saak, ...rest } = FILE;
  assert.throws(
    () => parseIonApi({ ...rest, iu: 'not a url', sask: '' }, 'acme.ionapi'),
    (error: MlcError) => {
      assert.equal(error.code, 'MLC_CONFIG_INVALID');
      const paths = (error.context.issues as Array<{ path: string }>).map((i) => i.path).sort();
      assert.deepEqual(paths, ['cs', 'iu', 'saak', 'sask']);
      assert.ok(!JSON.stringify(error).includes('S3CRET'));
      return true;
    },
  );
});

test('readIonApiFile: unreadable or non-JSON files are MLC_CONFIG_INVALID without their content', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ionapi-'));
  const broken = join(dir, 'broken.ionapi');
  writeFileSync(broken, '{"cs": "cs-S3CRET",');
  assert.throws(() => readIonApiFile(broken), (error: MlcError) => error.code === 'MLC_CONFIG_INVALID' && !JSON.stringify(error).includes('S3CRET') && !error.message.includes('S3CRET'));
  assert.throws(() => readIonApiFile(join(dir, 'missing.ionapi')), (error: MlcError) => error.code === 'MLC_CONFIG_INVALID');
  const good = join(dir, 'good.ionapi');
  writeFileSync(good, JSON.stringify(FILE));
  assert.equal(readIonApiFile(good).tenant, 'ACME_TST');
});
