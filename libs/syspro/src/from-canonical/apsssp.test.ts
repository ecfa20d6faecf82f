import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SupplierData, type MapResult } from '@mlc/events';
import { readBusinessObjectOutcome } from '../enet-xml.js';
import { ApssspConfig, toApssspSupplier, toApssspWrite, type ApssspDocuments } from './apsssp.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/apsssp');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').trim();
const full = SupplierData.parse(JSON.parse(fixture('supplier.json')));
const supplier = { number: 'ACME01', name: 'Acme & Sons <Ltd>', status: 'active' as const, paymentTerms: '30', contact: { name: 'Jane', email: 'j@acme.example' } };

function value(result: MapResult<ApssspDocuments>): ApssspDocuments {
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

test('fixtures: a Coupa supplier as the Add and Update documents SYSPRO is sent', () => {
  const config = ApssspConfig.parse(undefined);
  const add = value(toApssspSupplier(full, config, 'Add'));
  const update = value(toApssspSupplier(full, config, 'Update'));
  assert.equal(add.businessObject, 'APSSSP');
  assert.equal(add.xmlIn, fixture('add.xml'));
  assert.equal(update.xmlIn, fixture('update.xml'));
  assert.equal(update.xmlParameters, fixture('parameters.xml'));
  assert.equal(add.xmlParameters, update.xmlParameters);
  // Bank details are opt-in: none of the default documents carries them.
  for (const xml of [add.xmlIn, update.xmlIn]) assert.doesNotMatch(xml, /<Bank|GB29NWBK|20-00-00/);
  const both = toApssspWrite(full, config);
  assert.ok(both.ok);
  assert.deepEqual(both.value, { supplier: 'ACME01', add, update });
});

test('fixtures: bank details when the connection sends them; the IBAN stands in for a missing account number', () => {
  const config = ApssspConfig.parse({ fields: ['bank'] });
  assert.equal(value(toApssspSupplier(full, config)).xmlIn, fixture('update-bank.xml'));
  const ibanOnly = { ...full, bank: { iban: 'GB29NWBK60161331926819' } };
  assert.match(value(toApssspSupplier(ibanOnly, config)).xmlIn, /<BankAccount>GB29NWBK60161331926819<\/BankAccount><BankBranch><\/BankBranch>/);
});

test('APSSSP documents: escaped text, configured names, only the configured fields', () => {
  const docs = value(toApssspSupplier(supplier, ApssspConfig.parse({ fields: ['name', 'contact', 'paymentTerms'] })));
  assert.equal(docs.businessObject, 'APSSSP');
  assert.equal(
    docs.xmlIn,
    '<?xml version="1.0"?><SetupApSupplier xmlns:xsd="http://www.w3.org/2001/XMLSchema-instance" xsd:noNamespaceSchemaLocation="APSSSPDOC.XSD">' +
      '<Item><Key><Supplier>ACME01</Supplier></Key><SupplierName>Acme &amp; Sons &lt;Ltd&gt;</SupplierName>' +
      '<Contact>Jane</Contact><Telephone></Telephone><Email>j@acme.example</Email><TermsCode>30</TermsCode></Item></SetupApSupplier>',
  );
  assert.match(docs.xmlParameters, /<Parameters><IgnoreWarnings>N<\/IgnoreWarnings><ApplyIfEntireDocumentValid>Y<\/ApplyIfEntireDocumentValid><ValidateOnly>N<\/ValidateOnly><\/Parameters>/);
  const renamed = value(toApssspSupplier(supplier, ApssspConfig.parse({ root: 'SetupSupplier', documentSchema: undefined, fields: ['paymentTerms'], elements: { paymentTerms: 'Terms' } })));
  assert.match(renamed.xmlIn, /^<\?xml version="1.0"\?><SetupSupplier[^>]*><Item><Key><Supplier>ACME01<\/Supplier><\/Key><Terms>30<\/Terms><\/Item><\/SetupSupplier>$/);
  assert.equal(ApssspConfig.safeParse({ root: 'Bad Root' }).success, false);
  assert.equal(ApssspConfig.safeParse({ fields: ['iban'] }).success, false);
  assert.equal(ApssspConfig.safeParse({ elements: { phoneNumber: 'Tel' } }).success, false, 'unknown keys are refused');
  // What we build, we can read back without errors.
  assert.deepEqual(readBusinessObjectOutcome(docs.xmlIn), { errors: [], warnings: [] });
});

test('an Add always names the supplier, even when the connection leaves the name out of its fields', () => {
  const add = value(toApssspSupplier(supplier, ApssspConfig.parse({ addFields: ['paymentTerms'] }), 'Add'));
  assert.match(add.xmlIn, /<Key><Supplier>ACME01<\/Supplier><\/Key><SupplierName>Acme &amp; Sons &lt;Ltd&gt;<\/SupplierName><TermsCode>30<\/TermsCode><\/Item>/);
  const onHold = value(toApssspSupplier(supplier, ApssspConfig.parse({ fields: ['onHold', 'currency'] })));
  assert.match(onHold.xmlIn, /<OnHold>N<\/OnHold><\/Item>/, 'no currency in the event: SYSPRO keeps its own');
  const bare = { number: 'NEW9', name: 'Bare', status: 'active' as const };
  assert.match(value(toApssspSupplier(bare, ApssspConfig.parse(undefined), 'Add')).xmlIn, /<Item><Key><Supplier>NEW9<\/Supplier><\/Key><SupplierName>Bare<\/SupplierName><OnHold>N<\/OnHold><\/Item>/, 'an Add leaves out what the event lacks');
  const update = value(toApssspSupplier(bare, ApssspConfig.parse(undefined))).xmlIn;
  assert.match(update, /<Contact><\/Contact>/, 'an Update clears a contact Coupa no longer has');
  assert.doesNotMatch(update, /TermsCode/, 'but never blanks the terms code SYSPRO requires');
});

test('an address with more lines than SYSPRO has elements for is a mapping failure, not a silent cut', () => {
  const config = ApssspConfig.parse({ elements: { remitAddressLines: ['RemitAddr1'] } });
  const result = toApssspWrite(full, config);
  assert.equal(result.ok, false);
  assert.equal(result.ok ? undefined : result.error.code, 'MLC_MAPPING_FAILED');
  assert.equal(result.ok ? undefined : result.error.context.supplier, 'ACME01');
});
