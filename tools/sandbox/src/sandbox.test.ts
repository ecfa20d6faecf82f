import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConnections } from '@mlc/config';
import { startSandbox } from './sandbox.js';

test('startSandbox starts all three simulators and writes files @mlc/config loads', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mlc-sandbox-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sandbox = await startSandbox({ seed: 3, sizes: { suppliers: 4, purchaseOrders: 2, poLines: 2 }, outDir: dir });
  t.after(() => sandbox.close());

  const file = loadConnections(join(dir, 'connections.json'));
  const [connection] = file.connections;
  assert.equal(connection!.id, 'sandbox');
  assert.equal(connection!.infor!.ionapiFile, join(dir, 'sandbox.ionapi'));
  const ionapi = JSON.parse(await readFile(connection!.infor!.ionapiFile, 'utf8'));
  assert.equal(ionapi.iu, sandbox.infor.url);

  // The written credentials work against the running servers.
  const token = await fetch(ionapi.pu + ionapi.ot, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${ionapi.ci}:${ionapi.cs}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: ionapi.saak, password: ionapi.sask }),
  });
  assert.equal(token.status, 200);
  const { access_token: access } = (await token.json()) as { access_token: string };
  const m3 = await fetch(`${ionapi.iu}/${ionapi.ti}/M3/m3api-rest/v2/execute/CRS620MI/LstByNumber;maxrecs=0`, { headers: { authorization: `Bearer ${access}` } });
  assert.equal(((await m3.json()) as { results: Array<{ records: unknown[] }> }).results[0]!.records.length, 4);

  const odata = connection!.syspro!.odata;
  const syspro = await fetch(`${odata.url}/${odata.company}/$metadata`, {
    headers: { authorization: `Basic ${Buffer.from(`${odata.username}:${odata.password.reveal()}`).toString('base64')}` },
  });
  assert.equal(syspro.status, 200);

  const coupa = connection!.coupa!;
  const coupaToken = await fetch(`${coupa.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: coupa.clientId, client_secret: coupa.clientSecret.reveal(), scope: coupa.scopes.join(' ') }),
  });
  assert.equal(coupaToken.status, 200);
});

test('startSandbox writes publicHost into the files, keeping each port', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mlc-sandbox-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sandbox = await startSandbox({ sizes: { suppliers: 1, purchaseOrders: 0 }, publicHost: 'sandbox', outDir: dir });
  t.after(() => sandbox.close());

  const [connection] = loadConnections(join(dir, 'connections.json')).connections;
  const port = (url: string) => new URL(url).port;
  assert.equal(connection!.syspro!.odata.url, `http://sandbox:${port(sandbox.syspro.url)}/SYSPRO8Odata/SYSPROOData`);
  assert.equal(connection!.syspro!.enet!.url, `http://sandbox:${port(sandbox.syspro.url)}/SYSPROWCFService/Rest`);
  assert.equal(connection!.coupa!.url, `http://sandbox:${port(sandbox.coupa.url)}`);
  const ionapi = JSON.parse(await readFile(connection!.infor!.ionapiFile, 'utf8'));
  assert.equal(ionapi.iu, `http://sandbox:${port(sandbox.infor.url)}`);
  assert.equal(ionapi.pu, `http://sandbox:${port(sandbox.infor.url)}/${ionapi.ti}/as/`);
  // The servers themselves still answer on the bind address.
  assert.equal(sandbox.infor.url, `http://127.0.0.1:${port(sandbox.infor.url)}`);
});

test('startSandbox closes what it started when a port is taken', async (t) => {
  const first = await startSandbox({});
  t.after(() => first.close());
  const port = new URL(first.infor.url).port;
  await assert.rejects(startSandbox({ ports: { infor: Number(port) } }));
});
