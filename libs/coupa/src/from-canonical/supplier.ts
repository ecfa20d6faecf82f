import { mapped, type MapResult, type SupplierData } from '@mlc/events';
import type { CoupaMapping } from '../mapping.js';

export interface CoupaSupplierRequest {
  name: string;
  'display-name': string;
  number: string;
  status: 'active' | 'inactive';
  'po-method': string;
  'invoice-matching-level'?: string;
  'on-hold': boolean;
  'payment-term'?: { code: string };
  'tax-id'?: string;
  'primary-contact'?: { email?: string; 'name-given'?: string; 'name-family'?: string; 'phone-work'?: { number: string } };
  'primary-address'?: {
    street1?: string;
    street2?: string;
    street3?: string;
    street4?: string;
    city?: string;
    state?: string;
    'postal-code'?: string;
    country?: { code: string };
  };
}

function splitName(name: string): { 'name-given'?: string; 'name-family'?: string } {
  const parts = name.trim().split(/\s+/);
  if (parts.length < 2) return { 'name-given': name.trim() };
  return { 'name-given': parts.slice(0, -1).join(' '), 'name-family': parts.at(-1)! };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Canonical supplier → Coupa supplier create/update body (matched on `number`). */
export function toCoupaSupplier(data: SupplierData, mapping: CoupaMapping): MapResult<CoupaSupplierRequest> {
  const contact = data.contact;
  const address = data.address;
  const terms = data.paymentTerms?.trim();
  const request: CoupaSupplierRequest = withoutUndefined({
    name: data.name,
    'display-name': data.name,
    number: data.number,
    // Coupa has no "on hold" status: a held supplier stays active and is flagged on-hold.
    status: data.status === 'inactive' ? 'inactive' : 'active',
    'on-hold': data.status === 'on-hold',
    'po-method': mapping.supplier.poMethod,
    'invoice-matching-level': mapping.supplier.invoiceMatchingLevel,
    'payment-term': terms ? { code: mapping.supplier.paymentTerms[terms] ?? terms } : undefined,
    'tax-id': data.taxId || undefined,
    'primary-contact':
      contact && (contact.email || contact.name || contact.phone)
        ? withoutUndefined({
            email: contact.email || undefined,
            ...(contact.name ? splitName(contact.name) : {}),
            'phone-work': contact.phone ? { number: contact.phone } : undefined,
          })
        : undefined,
    'primary-address': address
      ? withoutUndefined({
          street1: address.lines[0],
          street2: address.lines[1],
          street3: address.lines[2],
          street4: address.lines[3],
          city: address.city,
          state: address.region,
          'postal-code': address.postalCode,
          country: address.country ? { code: address.country } : undefined,
        })
      : undefined,
  });
  return mapped(request);
}

/** A supplier update that sends some field groups only: Coupa keeps what the body leaves out. */
export type CoupaSupplierUpdate = Partial<CoupaSupplierRequest> & Pick<CoupaSupplierRequest, 'number'>;

// Canonical supplier field group → the keys of the Coupa body that carry it. The mapping's own
// settings (po-method, invoice-matching-level) are not synced fields: they go with every write.
const GROUP_KEYS: Readonly<Record<string, ReadonlyArray<keyof CoupaSupplierRequest>>> = {
  name: ['name', 'display-name'],
  status: ['status', 'on-hold'],
  paymentTerms: ['payment-term'],
  taxId: ['tax-id'],
  contact: ['primary-contact'],
  address: ['primary-address'],
};
const ALWAYS: ReadonlyArray<keyof CoupaSupplierRequest> = ['number', 'po-method', 'invoice-matching-level'];

/** The part of a supplier body carrying the given canonical field groups (two-way sync writes owned groups only). */
export function coupaSupplierUpdate(body: CoupaSupplierRequest, groups: readonly string[]): CoupaSupplierUpdate {
  const keys = new Set([...ALWAYS, ...groups.flatMap((group) => GROUP_KEYS[group] ?? [])]);
  return Object.fromEntries(Object.entries(body).filter(([key]) => keys.has(key as keyof CoupaSupplierRequest))) as CoupaSupplierUpdate;
}
