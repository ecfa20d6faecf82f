import { z } from 'zod';
import type { SupplierData } from '@mlc/events';
import { buildSysproXml, isXmlName, setupParameters, type XmlTree } from '../enet-xml.js';

const Element = z.string().refine(isXmlName, 'expected a plain XML element name');

/**
 * Shape of the APSSSP (AP Supplier Maintenance) document. The root and element names are
 * UNCONFIRMED (vendors.md §1.2): they follow the APSSSC pattern (`SetupSupplierClass` → `Item` →
 * `Key`) and ApSupplier's column names, and every one is configurable until checked against
 * APSSSP.XSD / APSSSPDOC.XSD on a SYSPRO install.
 */
export const ApssspConfig = z
  .object({
    businessObject: z.string().default('APSSSP'),
    root: Element.default('SetupApSupplier'),
    parametersSchema: z.string().optional().default('APSSSP.XSD'),
    documentSchema: z.string().optional().default('APSSSPDOC.XSD'),
    item: Element.default('Item'),
    key: Element.default('Key'),
    elements: z
      .object({
        number: Element.default('Supplier'),
        name: Element.default('SupplierName'),
        paymentTerms: Element.default('TermsCode'),
        taxId: Element.default('TaxRegnNum'),
        contactName: Element.default('Contact'),
        phone: Element.default('Telephone'),
        email: Element.default('Email'),
        currency: Element.default('Currency'),
        onHold: Element.default('OnHold'),
        addressLines: z.array(Element).max(4).default(['SupAddr1', 'SupAddr2', 'SupAddr3', 'SupAddr4']),
        postalCode: Element.default('SupPostalCode'),
      })
      .prefault({}),
    /** Which canonical fields a change sends; the Coupa → SYSPRO flow carries contact and payment terms. */
    fields: z
      .array(z.enum(['name', 'paymentTerms', 'taxId', 'contact', 'currency', 'onHold', 'address']))
      .default(['contact', 'paymentTerms']),
    ignoreWarnings: z.boolean().default(false),
  })
  .prefault({});
export type ApssspConfig = z.output<typeof ApssspConfig>;

export interface ApssspDocuments {
  businessObject: string;
  xmlParameters: string;
  xmlIn: string;
}

/**
 * Canonical supplier change → APSSSP XmlParameters + XmlIn for `setup('Update', ...)` (or 'Add').
 * The configured fields are sent as a snapshot (an absent value is sent empty and clears SYSPRO's);
 * fields not configured are left out of the document, so SYSPRO keeps what it holds for them.
 */
export function toApssspSupplier(data: SupplierData, config: ApssspConfig): ApssspDocuments {
  const e = config.elements;
  const item: XmlTree = { [config.key]: { [e.number]: data.number } };
  for (const field of config.fields) {
    switch (field) {
      case 'name':
        item[e.name] = data.name;
        break;
      case 'paymentTerms':
        item[e.paymentTerms] = data.paymentTerms ?? '';
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
        if (data.currency !== undefined) item[e.currency] = data.currency;
        break;
      case 'onHold':
        item[e.onHold] = data.status === 'on-hold' ? 'Y' : 'N';
        break;
      case 'address':
        e.addressLines.forEach((element, i) => (item[element] = data.address?.lines[i] ?? ''));
        item[e.postalCode] = data.address?.postalCode ?? '';
        break;
      default: {
        const never: never = field;
        throw new Error(`unhandled APSSSP field ${String(never)}`);
      }
    }
  }
  return {
    businessObject: config.businessObject,
    xmlParameters: setupParameters({ root: config.root, schema: config.parametersSchema, ignoreWarnings: config.ignoreWarnings }),
    xmlIn: buildSysproXml(config.root, config.documentSchema, { [config.item]: item }),
  };
}
