import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { isMlcError } from '@mlc/errors';
import { createSysproEnetClient } from './enet-session.js';
import { toApssspSupplier, ApssspConfig } from './from-canonical/apsssp.js';
import { readBusinessObjectOutcome } from './enet-xml.js';

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
  const docs = toApssspSupplier(supplier, ApssspConfig.parse(undefined));
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

test('APSSSP documents: escaped text, configured names, only the configured fields', () => {
  const docs = toApssspSupplier(supplier, ApssspConfig.parse({ fields: ['name', 'contact', 'paymentTerms'] }));
  assert.equal(docs.businessObject, 'APSSSP');
  assert.equal(
    docs.xmlIn,
    '<?xml version="1.0"?><SetupApSupplier xmlns:xsd="http://www.w3.org/2001/XMLSchema-instance" xsd:noNamespaceSchemaLocation="APSSSPDOC.XSD">' +
      '<Item><Key><Supplier>ACME01</Supplier></Key><SupplierName>Acme &amp; Sons &lt;Ltd&gt;</SupplierName>' +
      '<Contact>Jane</Contact><Telephone></Telephone><Email>j@acme.example</Email><TermsCode>30</TermsCode></Item></SetupApSupplier>',
  );
  assert.match(docs.xmlParameters, /<Parameters><IgnoreWarnings>N<\/IgnoreWarnings><ApplyIfEntireDocumentValid>Y<\/ApplyIfEntireDocumentValid><ValidateOnly>N<\/ValidateOnly><\/Parameters>/);
  const renamed = toApssspSupplier(supplier, ApssspConfig.parse({ root: 'SetupSupplier', documentSchema: undefined, fields: ['paymentTerms'], elements: { paymentTerms: 'Terms' } }));
  assert.match(renamed.xmlIn, /^<\?xml version="1.0"\?><SetupSupplier[^>]*><Item><Key><Supplier>ACME01<\/Supplier><\/Key><Terms>30<\/Terms><\/Item><\/SetupSupplier>$/);
  assert.equal(ApssspConfig.safeParse({ root: 'Bad Root' }).success, false);
  // What we build, we can read back without errors.
  assert.deepEqual(readBusinessObjectOutcome(docs.xmlIn), { errors: [], warnings: [] });
});
