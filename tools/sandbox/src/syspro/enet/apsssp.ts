import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { CURRENCIES, TERMS_CODES } from '../data/seed.js';
import { checkRow, withDefaults, type SysproStore } from '../data/store.js';
import { ApSupplier, type Row } from '../data/schema.js';
import { EnetError } from './errors.js';

export type SetupMethod = 'Add' | 'Update' | 'Delete';

const ROOT = 'SetupApSupplier';

/** Item elements that map to ApSupplier columns. */
const MAPPED = new Set([
  'SupplierName', 'SupShortName', 'SupplierClass', 'Branch', 'Currency', 'TermsCode', 'TaxRegnNum', 'Telephone', 'Fax', 'Email',
  'Contact', 'SupAddr1', 'SupAddr2', 'SupAddr3', 'SupAddr4', 'SupAddr5', 'SupPostalCode', 'OnHold',
  'RemitAddr1', 'RemitAddr2', 'RemitAddr3', 'RemitAddr4', 'RemitAddr5', 'RemitPostalCode', 'BankBranch', 'BankAccount',
]);

// Elements of the APSSSP document the simulator accepts but does not store (the paying AP bank, remit name,
// 1099, EDI details...): they are real fields, so a client sending them is not wrong.
const ACCEPTED = new Set([
  'SupplierChName', 'Bank', 'DateSuppAdded', 'WithTaxId', 'WithTaxCode', 'RemitName', 'LineDiscCode', 'InvDiscCode', 'Area', 'UserField1', 'UserField2', 'DefTaxCode',
  'DefaultChequeDay', 'PoDefaultDoc', 'FaxRemitFlag', 'FaxRemitNum', 'FaxRemitContact', 'SupplierType', 'NumMthsBeforDel',
  'MerchGlCode', 'FreightGlCode', 'PayByEft', 'EftUserField1', 'EftUserField2', 'EftStatementRef',
  'EftBankAccType', 'ChLanguage', 'Required1099', 'DefaultFmt1099', 'AskYtdValue1099', 'MinPay1099', 'PayeRef1099', 'YtdAmount1099',
  'PurchOrdAllowed', 'MinPoVal', 'MinPoMass', 'MinPoVolume', 'Contracts', 'GrnMatchReqd', 'LctRequired', 'EdiTypeFlag',
  'EdiReceiverCode', 'EdiFax', 'FaxContact', 'Nationality', 'TransactionNature', 'DeliveryTerms', 'eSignature',
]);

interface Parameters {
  ignoreWarnings: boolean;
  applyIfEntireDocumentValid: boolean;
  validateOnly: boolean;
}

interface ItemOutcome {
  supplier: string;
  row?: Row;
  errors: string[];
  warnings: string[];
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (_name, jpath) => jpath === `${ROOT}.Item`,
});
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: false, suppressEmptyNode: false });

function parseXml(xml: string | undefined, what: string): Record<string, unknown> {
  if (xml === undefined || xml.trim() === '') throw new EnetError('MISSING_PARAMETER', `${what} is required for a Setup business object`);
  if (XMLValidator.validate(xml) !== true) throw new EnetError('INVALID_XML', `${what} is not well-formed XML`);
  const doc = parser.parse(xml) as Record<string, unknown>;
  const root = doc[ROOT];
  if (root === undefined) throw new EnetError('INVALID_XML', `${what} root element must be <${ROOT}>`);
  return (root && typeof root === 'object' ? root : {}) as Record<string, unknown>;
}

function yesNo(params: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = params[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'Y' || value === 'N') return value === 'Y';
  throw new EnetError('INVALID_XML', `XmlParameters <${name}> must be Y or N`);
}

function readParameters(xmlParameters: string | undefined): Parameters {
  const root = parseXml(xmlParameters, 'XmlParameters');
  const params = (root.Parameters ?? {}) as Record<string, unknown>;
  return {
    ignoreWarnings: yesNo(params, 'IgnoreWarnings', false),
    applyIfEntireDocumentValid: yesNo(params, 'ApplyIfEntireDocumentValid', false),
    validateOnly: yesNo(params, 'ValidateOnly', false),
  };
}

function validateItem(item: Record<string, unknown>, method: SetupMethod, store: SysproStore): ItemOutcome {
  const key = (item.Key ?? {}) as Record<string, unknown>;
  const supplier = typeof key.Supplier === 'string' ? key.Supplier : '';
  const outcome: ItemOutcome = { supplier, errors: [], warnings: [] };
  if (supplier === '') {
    outcome.errors.push('Supplier key is required');
    return outcome;
  }
  const values: Row = {};
  for (const [name, value] of Object.entries(item)) {
    if (name === 'Key') continue;
    if (MAPPED.has(name)) {
      if (typeof value !== 'string') outcome.errors.push(`Element <${name}> must hold text`);
      else values[name] = value;
    } else if (!ACCEPTED.has(name)) outcome.errors.push(`Element <${name}> is not part of the APSSSP document`);
  }

  const existing = store.get('ApSupplier', [supplier]);
  if (method === 'Add' && existing) outcome.errors.push(`Supplier '${supplier}' already exists`);
  if (method === 'Update' && !existing) outcome.errors.push(`Supplier '${supplier}' not found`);
  if (method === 'Add' && !values.SupplierName) outcome.errors.push('Supplier name is required');
  if (values.Currency !== undefined && !(CURRENCIES as readonly string[]).includes(values.Currency as string)) {
    outcome.errors.push(`Currency '${values.Currency}' is not on file`);
  }
  if (values.TermsCode !== undefined && !(TERMS_CODES as readonly string[]).includes(values.TermsCode as string)) {
    outcome.errors.push(`Terms code '${values.TermsCode}' is not on file`);
  }
  if (values.OnHold !== undefined && values.OnHold !== 'Y' && values.OnHold !== 'N') outcome.errors.push('OnHold must be Y or N');
  const row = method === 'Add' ? withDefaults(ApSupplier, { Supplier: supplier, OnHold: 'N', Currency: 'ZAR', TermsCode: '30', ...values }) : values;
  outcome.errors.push(...checkRow(ApSupplier, row, { partial: method !== 'Add' }));
  if (typeof values.Email === 'string' && values.Email !== '' && !values.Email.includes('@')) {
    outcome.warnings.push(`Email address '${values.Email}' does not look valid`);
  }
  outcome.row = row;
  return outcome;
}

/**
 * AP Supplier Maintenance (APSSSP) Add/Update against the simulator's ApSupplier rows. Honours
 * the AP setup parameters: ValidateOnly, ApplyIfEntireDocumentValid and IgnoreWarnings (warnings
 * count as errors unless it is Y). Returns the XmlOut document.
 */
export function runApsssp({ method, xmlParameters, xmlIn, store, now }: { method: SetupMethod; xmlParameters?: string; xmlIn?: string; store: SysproStore; now: () => number }): string {
  if (method === 'Delete') throw new EnetError('UNSUPPORTED_METHOD', 'APSSSP Delete is not simulated');
  const params = readParameters(xmlParameters);
  const root = parseXml(xmlIn, 'XmlIn');
  const items = (root.Item ?? []) as unknown[];
  if (items.length === 0) throw new EnetError('INVALID_XML', 'XmlIn holds no <Item>');

  const outcomes = items.map((item) => validateItem((item && typeof item === 'object' ? item : {}) as Record<string, unknown>, method, store));
  const invalid = (o: ItemOutcome): boolean => o.errors.length > 0 || (!params.ignoreWarnings && o.warnings.length > 0);
  const anyInvalid = outcomes.some(invalid);
  const apply = !params.validateOnly && !(params.applyIfEntireDocumentValid && anyInvalid);

  let processed = 0;
  for (const o of outcomes) {
    if (invalid(o) || !apply) continue;
    if (method === 'Add') store.insert('ApSupplier', { ...o.row!, DateSuppAdded: new Date(now()).toISOString() });
    else store.update('ApSupplier', [o.supplier], o.row!);
    processed += 1;
  }

  const pad6 = (n: number): string => String(n).padStart(6, '0');
  const xmlItems = outcomes.map((o, i) => ({
    Key: { Supplier: o.supplier },
    ItemNumber: pad6(i + 1),
    ...(o.warnings.length > 0 ? { Warning: o.warnings.map((w) => ({ Description: w })) } : {}),
    ...(invalid(o) ? { ErrorDescription: [...o.errors, ...(params.ignoreWarnings ? [] : o.warnings)] } : {}),
  }));
  const body = builder.build({
    [ROOT]: {
      '@Language': '05',
      '@Language2': 'EN',
      '@DecFormat': '1',
      '@DateFormat': '01',
      '@Version': '8.0.000',
      Item: xmlItems,
      StatusOfItems: { ItemsProcessed: pad6(processed), ItemsInvalid: pad6(outcomes.filter(invalid).length) },
    },
  }) as string;
  return `<?xml version="1.0" encoding="Windows-1252"?>${body}`;
}
