import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { AUTH, ENET, ODATA, build } from '../test-support.js';

type App = ReturnType<typeof build>['app'];

const params = ({ ignoreWarnings = 'N', applyIfEntireDocumentValid = 'Y', validateOnly = 'N' } = {}) =>
  `<SetupApSupplier><Parameters><IgnoreWarnings>${ignoreWarnings}</IgnoreWarnings><ApplyIfEntireDocumentValid>${applyIfEntireDocumentValid}</ApplyIfEntireDocumentValid><ValidateOnly>${validateOnly}</ValidateOnly></Parameters></SetupApSupplier>`;
const doc = (...items: string[]) => `<SetupApSupplier>${items.join('')}</SetupApSupplier>`;
const item = (supplier: string, fields: string) => `<Item><Key><Supplier>${supplier}</Supplier></Key>${fields}</Item>`;

async function logon(app: App, operator = 'MLC', password = 'mlc-enet'): Promise<string> {
  const res = await app.inject({ url: `${ENET}/Logon`, query: { Operator: operator, OperatorPassword: password, CompanyId: 'EDU1', CompanyPassword: '' } });
  assert.equal(res.statusCode, 200);
  return res.body;
}

const setup = (app: App, method: 'Add' | 'Update' | 'Delete', userId: string, xmlIn: string, xmlParameters = params()) =>
  app.inject({ url: `${ENET}/Setup/${method}`, query: { UserId: userId, BusinessObject: 'APSSSP', XmlParameters: xmlParameters, XmlIn: xmlIn } });

const parse = (xml: string) => new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Item' || name === 'ErrorDescription' }).parse(xml).SetupApSupplier;

async function odataSupplier(app: App, supplier: string) {
  const res = await app.inject({ url: `${ODATA}/ApSupplier?$filter=Supplier eq '${supplier}'`, headers: AUTH });
  return res.json().value[0];
}

test('Logon returns a session GUID; bad credentials answer ERROR text with HTTP 200', async (t) => {
  const { app } = build(t);
  assert.match(await logon(app), /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  const attempts: Array<Record<string, string>> = [
    { Operator: 'MLC', OperatorPassword: 'wrong', CompanyId: 'EDU1' },
    { Operator: 'MLC', OperatorPassword: 'mlc-enet', CompanyId: 'OTHER' },
    { Operator: 'MLC', OperatorPassword: 'mlc-enet', CompanyId: 'EDU1', CompanyPassword: 'x' },
    { OperatorPassword: 'mlc-enet', CompanyId: 'EDU1' },
  ];
  for (const query of attempts) {
    const res = await app.inject({ url: `${ENET}/Logon`, query });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^ERROR/);
    assert.ok(['LOGON_FAILED', 'MISSING_PARAMETER'].includes(res.headers['x-sandbox-error'] as string));
  }
});

test('APSSSP Update changes the supplier OData serves and bumps its TimeStamp', async (t) => {
  const { app } = build(t);
  const before = await odataSupplier(app, 'S000003');
  const userId = await logon(app);
  const res = await setup(app, 'Update', userId, doc(item('S000003', '<TermsCode>EM</TermsCode><Contact>Jane Doe</Contact><BankAccount>123</BankAccount>')));
  assert.equal(res.statusCode, 200);
  const out = parse(res.body);
  assert.equal(out.StatusOfItems.ItemsProcessed, '000001');
  assert.equal(out.StatusOfItems.ItemsInvalid, '000000');
  const after = await odataSupplier(app, 'S000003');
  assert.equal(after.TermsCode, 'EM');
  assert.equal(after.Contact, 'Jane Doe');
  assert.equal(after.SupplierName, before.SupplierName);
  assert.ok(after.TimeStamp > before.TimeStamp);
  const changed = (await app.inject({ url: `${ODATA}/ApSupplier?$filter=TimeStamp gt ${before.TimeStamp}&$select=Supplier`, headers: AUTH })).json().value;
  assert.ok(changed.some((r: { Supplier: string }) => r.Supplier === 'S000003'));
});

test('APSSSP Add creates a supplier; adding it again is an item error', async (t) => {
  const { app } = build(t);
  const userId = await logon(app);
  const add = parse((await setup(app, 'Add', userId, doc(item('NEW01', '<SupplierName>New Co</SupplierName><Currency>USD</Currency>')))).body);
  assert.equal(add.StatusOfItems.ItemsProcessed, '000001');
  const row = await odataSupplier(app, 'NEW01');
  assert.equal(row.SupplierName, 'New Co');
  assert.equal(row.Currency, 'USD');
  const again = parse((await setup(app, 'Add', userId, doc(item('NEW01', '<SupplierName>New Co</SupplierName>')))).body);
  assert.equal(again.StatusOfItems.ItemsInvalid, '000001');
  assert.equal(again.Item[0].ErrorDescription.length, 1);
});

test('ApplyIfEntireDocumentValid, ValidateOnly and IgnoreWarnings are honoured', async (t) => {
  const { app } = build(t);
  const userId = await logon(app);
  const twoItems = doc(item('S000001', '<TermsCode>EM</TermsCode>'), item('S000002', '<TermsCode>ZZ</TermsCode>'));

  const untouched = await odataSupplier(app, 'S000001');
  const all = parse((await setup(app, 'Update', userId, twoItems, params({ applyIfEntireDocumentValid: 'Y' }))).body);
  assert.equal(all.StatusOfItems.ItemsProcessed, '000000');
  assert.equal(all.StatusOfItems.ItemsInvalid, '000001');
  assert.deepEqual(await odataSupplier(app, 'S000001'), untouched);

  const partial = parse((await setup(app, 'Update', userId, twoItems, params({ applyIfEntireDocumentValid: 'N' }))).body);
  assert.equal(partial.StatusOfItems.ItemsProcessed, '000001');
  assert.equal((await odataSupplier(app, 'S000001')).TermsCode, 'EM');
  assert.equal(partial.Item[1].ErrorDescription.length, 1);

  const before = await odataSupplier(app, 'S000004');
  await setup(app, 'Update', userId, doc(item('S000004', '<TermsCode>CA</TermsCode>')), params({ validateOnly: 'Y' }));
  assert.deepEqual(await odataSupplier(app, 'S000004'), before);

  const warning = doc(item('S000004', '<Email>not-an-email</Email>'));
  const strict = parse((await setup(app, 'Update', userId, warning, params({ ignoreWarnings: 'N' }))).body);
  assert.equal(strict.StatusOfItems.ItemsInvalid, '000001');
  assert.deepEqual(await odataSupplier(app, 'S000004'), before);
  const lenient = parse((await setup(app, 'Update', userId, warning, params({ ignoreWarnings: 'Y' }))).body);
  assert.equal(lenient.StatusOfItems.ItemsProcessed, '000001');
  assert.ok(lenient.Item[0].Warning);
  assert.equal((await odataSupplier(app, 'S000004')).Email, 'not-an-email');
});

test('unknown elements, bad XML and unknown business objects are refused', async (t) => {
  const { app } = build(t);
  const userId = await logon(app);
  const unknown = parse((await setup(app, 'Update', userId, doc(item('S000001', '<PaymentTerms>30</PaymentTerms>')))).body);
  assert.equal(unknown.StatusOfItems.ItemsInvalid, '000001');
  const bad = await setup(app, 'Update', userId, '<SetupApSupplier><Item>');
  assert.equal(bad.headers['x-sandbox-error'], 'INVALID_XML');
  const wrongRoot = await setup(app, 'Update', userId, '<SetupSupplierClass/>');
  assert.equal(wrongRoot.headers['x-sandbox-error'], 'INVALID_XML');
  const other = await app.inject({ url: `${ENET}/Transaction/Post`, query: { UserId: userId, BusinessObject: 'PORTOI', XmlParameters: '<x/>', XmlIn: '<x/>' } });
  assert.equal(other.headers['x-sandbox-error'], 'UNKNOWN_BUSINESS_OBJECT');
  assert.equal((await setup(app, 'Delete', userId, doc(item('S000001', '')))).headers['x-sandbox-error'], 'UNSUPPORTED_METHOD');
});

test('sessions expire after the idle time, on Logoff and through the admin API', async (t) => {
  let now = 1_000_000;
  const { app } = build(t, { sessionIdleSeconds: 60, now: () => now });
  const update = doc(item('S000001', '<Contact>A</Contact>'));

  const idle = await logon(app);
  now += 59_000;
  assert.equal((await setup(app, 'Update', idle, update)).statusCode, 200);
  now += 59_000; // each call resets the idle clock
  assert.doesNotMatch((await setup(app, 'Update', idle, update)).body, /^ERROR/);
  now += 61_000;
  const expired = await setup(app, 'Update', idle, update);
  assert.equal(expired.statusCode, 200);
  assert.match(expired.body, /^ERROR/);
  assert.equal(expired.headers['x-sandbox-error'], 'INVALID_SESSION');

  const session = await logon(app);
  assert.equal((await app.inject({ method: 'POST', url: '/_sandbox/sessions/expire' })).json().expired, 1);
  assert.equal((await setup(app, 'Update', session, update)).headers['x-sandbox-error'], 'INVALID_SESSION');

  const loggedOff = await logon(app);
  assert.equal((await app.inject({ url: `${ENET}/Logoff`, query: { UserId: loggedOff } })).body, '0');
  assert.equal((await setup(app, 'Update', loggedOff, update)).headers['x-sandbox-error'], 'INVALID_SESSION');
  assert.match((await app.inject({ url: `${ENET}/Logoff`, query: { UserId: loggedOff } })).body, /^ERROR/);
});

test('operator security can deny the business object, changeable at runtime', async (t) => {
  const { app } = build(t);
  const viewer = await logon(app, 'VIEWER', 'viewer-enet');
  const update = doc(item('S000001', '<Contact>A</Contact>'));
  const denied = await setup(app, 'Update', viewer, update);
  assert.match(denied.body, /^ERROR/);
  assert.equal(denied.headers['x-sandbox-error'], 'ACCESS_DENIED');

  const mlc = await logon(app);
  await app.inject({ method: 'PATCH', url: '/_sandbox/operators/MLC', payload: { deniedBusinessObjects: ['apsssp'] } });
  assert.equal((await setup(app, 'Update', mlc, update)).headers['x-sandbox-error'], 'ACCESS_DENIED');
  await app.inject({ method: 'PATCH', url: '/_sandbox/operators/VIEWER', payload: { deniedBusinessObjects: [] } });
  assert.equal(parse((await setup(app, 'Update', viewer, update)).body).StatusOfItems.ItemsProcessed, '000001');
});

test('APSSSP stores the remit-to address and bank details; the admin state shows them', async (t) => {
  const { app } = build(t);
  const userId = await logon(app);
  const fields = '<RemitAddr1>PO Box 7</RemitAddr1><RemitPostalCode>2001</RemitPostalCode><BankBranch>250655</BankBranch><BankAccount>62001234567</BankAccount>';
  const out = parse((await setup(app, 'Update', userId, doc(item('S000005', fields)))).body);
  assert.equal(out.StatusOfItems.ItemsProcessed, '000001');
  const row = (await app.inject({ url: '/_sandbox/state/suppliers/S000005' })).json();
  assert.deepEqual([row.RemitAddr1, row.RemitPostalCode, row.BankBranch, row.BankAccount], ['PO Box 7', '2001', '250655', '62001234567']);
  const tooLong = parse((await setup(app, 'Update', userId, doc(item('S000005', `<BankBranch>${'9'.repeat(16)}</BankBranch>`)))).body);
  assert.equal(tooLong.StatusOfItems.ItemsInvalid, '000001');
});
