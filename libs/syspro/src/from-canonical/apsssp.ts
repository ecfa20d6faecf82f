import { z } from 'zod';
import { mapStopping, mapped, stopMapping, type MapResult, type SupplierData } from '@mlc/events';
import { buildSysproXml, isXmlName, setupParameters, type XmlTree } from '../enet-xml.js';

const Element = z.string().refine(isXmlName, 'expected a plain XML element name');

/** Groups of canonical supplier fields an APSSSP document can carry. */
export const APSSSP_FIELDS = ['name', 'paymentTerms', 'taxId', 'contact', 'currency', 'onHold', 'address', 'remitTo', 'bank'] as const;
export type ApssspField = (typeof APSSSP_FIELDS)[number];

/**
 * Shape of the APSSSP (AP Supplier Maintenance) document, part of `mappings.syspro.apsssp`. The
 * root and element names are UNCONFIRMED (vendors.md §1.2, README "Assumptions"): they follow the
 * APSSSC pattern (`Setup…` → `Item` → `Key`) and ApSupplier's column names, and every one is
 * configurable until checked against APSSSP.XSD / APSSSPDOC.XSD on a SYSPRO install.
 */
export const ApssspConfig = z
  .strictObject({
    businessObject: z.string().regex(/^[A-Z]{3}[A-Z0-9]{3}$/, 'expected a SYSPRO business object name').default('APSSSP'),
    root: Element.default('SetupApSupplier'),
    parametersSchema: z.string().optional().default('APSSSP.XSD'),
    documentSchema: z.string().optional().default('APSSSPDOC.XSD'),
    item: Element.default('Item'),
    key: Element.default('Key'),
    elements: z
      .strictObject({
        number: Element.default('Supplier'),
        name: Element.default('SupplierName'),
        paymentTerms: Element.default('TermsCode'),
        taxId: Element.default('TaxRegnNum'),
        contactName: Element.default('Contact'),
        phone: Element.default('Telephone'),
        email: Element.default('Email'),
        currency: Element.default('Currency'),
        onHold: Element.default('OnHold'),
        addressLines: z.array(Element).max(5).default(['SupAddr1', 'SupAddr2', 'SupAddr3', 'SupAddr4']),
        postalCode: Element.default('SupPostalCode'),
        remitAddressLines: z.array(Element).max(5).default(['RemitAddr1', 'RemitAddr2', 'RemitAddr3', 'RemitAddr4']),
        remitPostalCode: Element.default('RemitPostalCode'),
        bankAccount: Element.default('BankAccount'),
        bankBranch: Element.default('BankBranch'),
      })
      .prefault({}),
    /**
     * Fields an Update sends (a change made in Coupa). Bank details are opt-in: they travel to
     * SYSPRO only when a connection lists `bank` here.
     */
    fields: z.array(z.enum(APSSSP_FIELDS)).default(['contact', 'paymentTerms', 'taxId', 'remitTo']),
    /** Fields an Add sends (a supplier SYSPRO does not hold yet); the name is always sent, SYSPRO requires it. */
    addFields: z.array(z.enum(APSSSP_FIELDS)).default(['name', 'currency', 'paymentTerms', 'taxId', 'contact', 'onHold', 'address', 'remitTo']),
    ignoreWarnings: z.boolean().default(false),
  })
  .prefault({});
export type ApssspConfig = z.output<typeof ApssspConfig>;
export type ApssspConfigInput = z.input<typeof ApssspConfig>;

export interface ApssspDocuments {
  businessObject: string;
  xmlParameters: string;
  xmlIn: string;
}

/** Both documents of one supplier change: which one is sent depends on whether SYSPRO holds the supplier. */
export interface ApssspWrite {
  supplier: string;
  add: ApssspDocuments;
  update: ApssspDocuments;
}

function addressElements(lines: readonly string[] | undefined, elements: readonly string[], item: XmlTree, what: string): void {
  const given = lines ?? [];
  if (given.length > elements.length) {
    stopMapping(`supplier ${what} has ${given.length} lines, SYSPRO takes ${elements.length}`, { field: what, lines: given.length, elements: elements.length });
  }
  elements.forEach((element, i) => (item[element] = given[i] ?? ''));
}

function documents(data: SupplierData, config: ApssspConfig, method: 'Add' | 'Update', fields: readonly ApssspField[]): ApssspDocuments {
  const e = config.elements;
  const item: XmlTree = { [config.key]: { [e.number]: data.number } };
  for (const field of new Set(fields)) {
    switch (field) {
      case 'name':
        item[e.name] = data.name;
        break;
      case 'paymentTerms':
        // SYSPRO needs a terms code on file: none in the event keeps SYSPRO's (on Add, its default).
        if (data.paymentTerms !== undefined) item[e.paymentTerms] = data.paymentTerms;
        break;
      case 'taxId':
        item[e.taxId] = data.taxId ?? '';
        break;
      case 'contact':
        item[e.contactName] = data.contact?.name ?? '';
        item[e.phone] = data.contact?.phone ?? '';
        item[e.email] = data.contact?.email ?? '';
        break;
      case 'currency':
        // No currency in the event: SYSPRO keeps (or, on Add, defaults) its own.
        if (data.currency !== undefined) item[e.currency] = data.currency;
        break;
      case 'onHold':
        item[e.onHold] = data.status === 'on-hold' ? 'Y' : 'N';
        break;
      case 'address':
        addressElements(data.address?.lines, e.addressLines, item, 'address');
        item[e.postalCode] = data.address?.postalCode ?? '';
        break;
      case 'remitTo':
        // The canonical supplier has one address; Coupa's primary address is where payments go.
        addressElements(data.address?.lines, e.remitAddressLines, item, 'remit-to address');
        item[e.remitPostalCode] = data.address?.postalCode ?? '';
        break;
      case 'bank':
        // SYSPRO keeps one account number per supplier: the IBAN stands in when there is no local number.
        item[e.bankAccount] = data.bank?.accountNumber ?? data.bank?.iban ?? '';
        item[e.bankBranch] = data.bank?.bankCode ?? '';
        break;
      default: {
        const never: never = field;
        throw new Error(`unhandled APSSSP field ${String(never)}`);
      }
    }
  }
  // An empty element clears the field on Update; on Add there is nothing to clear, and leaving the
  // element out lets SYSPRO apply its defaults instead of refusing a blank it requires.
  if (method === 'Add') for (const [element, value] of Object.entries(item)) if (value === '') delete item[element];
  return {
    businessObject: config.businessObject,
    xmlParameters: setupParameters({ root: config.root, schema: config.parametersSchema, ignoreWarnings: config.ignoreWarnings }),
    xmlIn: buildSysproXml(config.root, config.documentSchema, { [config.item]: item }),
  };
}

/**
 * Canonical supplier → the APSSSP documents of one method. The listed fields are sent as a snapshot:
 * on Update an absent value is sent empty and clears SYSPRO's (except payment terms and currency,
 * which SYSPRO requires: absent, SYSPRO keeps its own); on Add absent values are left out. Fields
 * not listed are left out of the document, so SYSPRO keeps what it holds for them.
 */
export function toApssspSupplier(data: SupplierData, config: ApssspConfig, method: 'Add' | 'Update' = 'Update'): MapResult<ApssspDocuments> {
  const fields: ApssspField[] = method === 'Add' ? ['name', ...config.addFields] : config.fields;
  return mapStopping({ supplier: data.number, method }, () => mapped(documents(data, config, method, fields)));
}

/** Canonical supplier → both APSSSP documents (Add for a supplier SYSPRO lacks, Update otherwise). */
export function toApssspWrite(data: SupplierData, config: ApssspConfig): MapResult<ApssspWrite> {
  const add = toApssspSupplier(data, config, 'Add');
  if (!add.ok) return add;
  const update = toApssspSupplier(data, config, 'Update');
  if (!update.ok) return update;
  return mapped({ supplier: data.number, add: add.value, update: update.value });
}
