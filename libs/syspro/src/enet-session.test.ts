import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { isMlcError } from '@mlc/errors';
import { createSysproEnetClient } from './enet-session.js';
import { toApssspSupplier, ApssspConfig } from './from-canonical/apsssp.js';

const ORIGIN = 'http://syspro.example.local:90';
const BASE = `${ORIGIN}/SYSPROWCFService/Rest`;
const GUID_1 = '3f0c9d2e-7b41-4c55-9a1e-2d6b0e8f4a11';
const GUID_2 = '9a9a9a9a-7b41-4c55-9a1e-2d6b0e8f4a11';
const OK_XML = '<SetupApSupplier><Item><Key><Supplier>ACME01</Supplier></Key></Item><StatusOfItems><ItemsProcessed>1</ItemsProcessed><ItemsInvalid>0</ItemsInvalid></StatusOfItems></SetupApSupplier>';

function build(t: TestContext) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  const pool = agent.get(ORIGIN);
  const logons: URLSearchParams[] = [];
  const calls: URLSearchParams[] = [];
  const client = createSysproEnetClient({ baseUrl: BASE, dispatcher: agent, operator: 'INTEG', operatorPassword: 'op-s3cret', companyId: 'EDU1', companyPassword: 'co-s3cret' });
  const logon = (guid: string) =>
    pool.intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Logon?'), method: 'GET' }).reply((opts) => {
      logons.push(new URL(String(opts.path), ORIGIN).searchParams);
      return { statusCode: 200, data: guid, headers: { 'content-type': 'text/plain' } };
    });
  const setup = (body: string) =>
    pool.intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Setup/Update?'), method: 'GET' }).reply((opts) => {
      calls.push(new URL(String(opts.path), ORIGIN).searchParams);
      return { statusCode: 200, data: body, headers: { 'content-type': 'application/xml' } };
    });
  return { pool, client, logon, setup, logons, calls };
}

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (isMlcError(err)) return err;
    throw err;
  }
  return assert.fail('expected an error');
}

const supplier = { number: 'ACME01', name: 'Acme & Sons <Ltd>', status: 'active' as const, paymentTerms: '30', contact: { name: 'Jane', email: 'j@acme.example' } };

test('logs on once with the four parameters and reuses the session', async (t) => {
  const { client, logon, setup, logons, calls } = build(t);
  logon(GUID_1);
  setup(OK_XML);
  setup(OK_XML);
  const mapped = toApssspSupplier(supplier, ApssspConfig.parse(undefined));
  assert.ok(mapped.ok);
  const docs = mapped.value;
  const [a, b] = await Promise.all([
    client.setup('Update', 'APSSSP', docs.xmlParameters, docs.xmlIn),
    client.setup('Update', 'APSSSP', docs.xmlParameters, docs.xmlIn),
  ]);
  assert.equal(a.xml, OK_XML);
  assert.deepEqual(b.warnings, []);
  assert.equal(logons.length, 1);
  assert.deepEqual(Object.fromEntries(logons[0]!), { Operator: 'INTEG', OperatorPassword: 'op-s3cret', CompanyId: 'EDU1', CompanyPassword: 'co-s3cret' });
  assert.deepEqual(calls.map((c) => [c.get('UserId'), c.get('BusinessObject'), c.get('XmlIn')]), [
    [GUID_1, 'APSSSP', docs.xmlIn],
    [GUID_1, 'APSSSP', docs.xmlIn],
  ]);
});

test('an expired-session text reply logs on again and retries the call once', async (t) => {
  const { client, logon, setup, logons, calls } = build(t);
  logon(GUID_1);
  setup('Session has expired. Please log on again.');
  logon(GUID_2);
  setup(OK_XML);
  await client.setup('Update', 'APSSSP', '<P/>', '<D/>');
  assert.equal(logons.length, 2);
  assert.deepEqual(calls.map((c) => c.get('UserId')), [GUID_1, GUID_2]);
});

test('a session refused again right after logon is MLC_SESSION_EXPIRED, not a loop', async (t) => {
  const { client, logon, setup, logons } = build(t);
  logon(GUID_1);
  setup('Invalid UserId');
  logon(GUID_2);
  setup('Invalid UserId');
  assert.equal((await errorOf(client.setup('Update', 'APSSSP', '<P/>', '<D/>'))).code, 'MLC_SESSION_EXPIRED');
  assert.equal(logons.length, 2);
});

test("business-object errors are MLC_VENDOR_REJECTED with SYSPRO's message and are not retried", async (t) => {
  const { client, logon, setup, logons, calls } = build(t);
  logon(GUID_1);
  setup('<SetupApSupplier><Item><Key><Supplier>ZZZ</Supplier></Key><ErrorDescription>Supplier ZZZ not on file</ErrorDescription></Item><StatusOfItems><ItemsInvalid>1</ItemsInvalid></StatusOfItems></SetupApSupplier>');
  setup('ERROR: Terms code 99 invalid');
  const first = await errorOf(client.setup('Update', 'APSSSP', '<P/>', '<D/>'));
  assert.equal(first.code, 'MLC_VENDOR_REJECTED');
  assert.deepEqual(first.context.errors, ['Supplier ZZZ not on file']);
  const second = await errorOf(client.setup('Update', 'APSSSP', '<P/>', '<D/>'));
  assert.equal(second.code, 'MLC_VENDOR_REJECTED');
  assert.equal(logons.length, 1);
  assert.equal(calls.length, 2);
});

test('a refused logon is MLC_AUTH_FAILED and never echoes the passwords', async (t) => {
  const { client, logon } = build(t);
  logon('ERROR: Invalid password op-s3cret for operator INTEG');
  const err = await errorOf(client.transaction('PORTOI', '<P/>', '<D/>'));
  assert.equal(err.code, 'MLC_AUTH_FAILED');
  assert.ok(!JSON.stringify({ m: err.message, c: err.context }).includes('op-s3cret'));
  assert.equal((await errorOf(client.transaction('PORTOI; DROP', '<P/>', '<D/>'))).code, 'MLC_CONFIG_INVALID');
});

test('logoff sends the session id and treats anything but 0 as a failure', async (t) => {
  const { pool, client, logon, setup } = build(t);
  await client.logoff(); // no session: nothing to do
  logon(GUID_1);
  setup(OK_XML);
  await client.setup('Update', 'APSSSP', '<P/>', '<D/>');
  let userId: string | null = null;
  pool.intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Logoff?'), method: 'GET' }).reply((opts) => {
    userId = new URL(String(opts.path), ORIGIN).searchParams.get('UserId');
    return { statusCode: 200, data: '0' };
  });
  await client.logoff();
  assert.equal(userId, GUID_1);
});

test('calls failing together on one expired session log on again once between them', async (t) => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  t.after(() => agent.close());
  const pool = agent.get(ORIGIN);
  const client = createSysproEnetClient({ baseUrl: BASE, dispatcher: agent, operator: 'INTEG', operatorPassword: 'op', companyId: 'EDU1', concurrency: 3 });
  let logons = 0;
  pool
    .intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Logon?'), method: 'GET' })
    .reply(() => ({ statusCode: 200, data: ++logons === 1 ? GUID_1 : GUID_2 }))
    .times(3);
  const seen: Array<string | null> = [];
  pool
    .intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Setup/Update?'), method: 'GET' })
    .reply((opts) => {
      const userId = new URL(String(opts.path), ORIGIN).searchParams.get('UserId');
      seen.push(userId);
      return { statusCode: 200, data: userId === GUID_1 ? 'ERROR: UserId is not logged on or the session has expired' : OK_XML };
    })
    .times(6);
  await Promise.all([1, 2, 3].map(() => client.setup('Update', 'APSSSP', '<P/>', '<D/>')));
  assert.equal(logons, 2);
  assert.deepEqual(seen.filter((u) => u === GUID_2).length, 3);
});

test('with concurrency 1 a second call waits until the first has its answer', async (t) => {
  const { pool, client, logon } = build(t);
  logon(GUID_1);
  let inFlight = 0;
  let most = 0;
  pool
    .intercept({ path: (p) => p.startsWith('/SYSPROWCFService/Rest/Setup/Add?'), method: 'GET' })
    .reply(() => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      return { statusCode: 200, data: OK_XML };
    })
    .delay(20)
    .times(3);
  const calls = [1, 2, 3].map(() =>
    client.setup('Add', 'APSSSP', '<P/>', '<D/>').finally(() => {
      inFlight -= 1;
    }),
  );
  await Promise.all(calls);
  assert.equal(most, 1);
});
