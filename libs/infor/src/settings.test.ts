import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { connectionsFileSchema } from '@mlc/config';
import type { MlcError } from '@mlc/errors';
import { m3ClientFromSettings } from './settings.js';

const IONAPI = {
  ti: 'ACME_TST',
  cn: 'IntegrationBackend',
  ci: 'ACME_TST~clientid',
  cs: 'cs-S3CRET',
  iu: 'https://ionapi.example',
  pu: 'https://sso.example/ACME_TST/as/',
  oa: 'authorization.oauth2',
  ot: 'token.oauth2',
  or: 'revoke_token.oauth2',
  saak: 'ACME_TST#saak',
  sask: 'sask-S3CRET',
};

function inforSettings(ionapiFile: string) {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-infor-'));
  writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(IONAPI));
  const file = connectionsFileSchema({ baseDir: dir }).parse({
    connections: [{ id: 'acme', infor: { ionapiFile, company: '100', division: 'AAA', requestsPerMinute: 60_000 } }],
  });
  return file.connections[0]!.infor!;
}

test('m3ClientFromSettings: the .ionapi credentials (relative to the connections file), company and division reach M3', async (t) => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  let grant = new URLSearchParams();
  agent
    .get('https://sso.example')
    .intercept({ path: '/ACME_TST/as/token.oauth2', method: 'POST' })
    .reply((opts) => {
      grant = new URLSearchParams(String(opts.body));
      return { statusCode: 200, data: { access_token: 'tok', token_type: 'Bearer', expires_in: 7200 }, responseOptions: { headers: { 'content-type': 'application/json' } } };
    });
  let query = new URLSearchParams();
  agent
    .get('https://ionapi.example')
    .intercept({ path: (p) => p.startsWith('/ACME_TST/M3/m3api-rest/v2/execute/CRS620MI/GetBasicData'), method: 'GET' })
    .reply((opts) => {
      query = new URL(String(opts.path), 'https://ionapi.example').searchParams;
      return {
        statusCode: 200,
        data: { results: [{ transaction: 'GetBasicData', records: [{ SUNO: 'S1' }] }], nrOfSuccessfulTransactions: 1, nrOfFailedTransactions: 0 },
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    });

  const m3 = m3ClientFromSettings(inforSettings('tenant.ionapi'), { dispatcher: agent });
  assert.deepEqual(await m3.execute('CRS620MI', 'GetBasicData', { SUNO: 'S1' }), [{ SUNO: 'S1' }]);
  assert.equal(grant.get('username'), 'ACME_TST#saak');
  assert.equal(query.get('cono'), '100');
  assert.equal(query.get('divi'), 'AAA');
  assert.equal(query.get('SUNO'), 'S1');
});

test('m3ClientFromSettings: a missing .ionapi file is MLC_CONFIG_INVALID', () => {
  assert.throws(() => m3ClientFromSettings(inforSettings('missing.ionapi')), (error: MlcError) => error.code === 'MLC_CONFIG_INVALID');
});
