import { z } from 'zod';
import { INVOICE_STATUSES, PO_STATUSES } from './records.js';

/**
 * Request bodies accepted by the simulated REST API (JSON, hyphenated keys; underscores are
 * normalised to hyphens first, as Coupa accepts both). Associations are referenced by id or by
 * their natural key, as in Coupa (`supplier: {number}`, `lookup: {name}`, `account-type: {name}`).
 */
const decimal = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform((v) => String(v));
const text = z.string().trim();
const Code = z.object({ code: text.min(1) });
const SupplierRef = z
  .object({ id: z.number().int().optional(), number: text.optional(), name: text.optional() })
  .refine((r) => r.id !== undefined || r.number !== undefined || r.name !== undefined, 'needs id, number or name');
const AccountRef = z
  .object({ id: z.number().int().optional(), code: text.optional() })
  .refine((r) => r.id !== undefined || r.code !== undefined, 'needs id or code');
const NamedRef = z
  .object({ id: z.number().int().optional(), name: text.optional() })
  .refine((r) => r.id !== undefined || r.name !== undefined, 'needs id or name');

const AddressIn = z.object({
  name: text.nullable().optional(),
  street1: text.nullable().optional(),
  street2: text.nullable().optional(),
  city: text.nullable().optional(),
  state: text.nullable().optional(),
  'postal-code': text.nullable().optional(),
  country: Code.nullable().optional(),
});
// Coupa documents contact phones as a "Phone Number" object of parts; the sandbox stores one
// string (what records.ts serves), so the parts are joined on the way in.
const PhoneNumberIn = z
  .object({ 'country-code': text.nullable().optional(), 'area-code': text.nullable().optional(), number: text.min(1), extension: text.nullable().optional() })
  .transform((p) => [p['country-code'], p['area-code'], p.number].filter(Boolean).join(' ') + (p.extension ? ` x${p.extension}` : ''));
const ContactIn = z.object({
  email: z.email().nullable().optional(),
  'name-given': text.nullable().optional(),
  'name-family': text.nullable().optional(),
  'phone-work': z.union([text, PhoneNumberIn]).nullable().optional(),
});

export const SupplierUpdate = z.object({
  name: text.min(1).optional(),
  'display-name': text.nullable().optional(),
  number: text.min(1).nullable().optional(),
  status: z.enum(['active', 'inactive', 'onboarding']).optional(),
  'payment-term': Code.nullable().optional(),
  'tax-id': text.nullable().optional(),
  'primary-contact': ContactIn.nullable().optional(),
  'primary-address': AddressIn.nullable().optional(),
  'po-method': z.enum(['cxml', 'xml', 'email', 'integration', 'prompt', 'buy_online']).optional(),
  'payment-method': z.enum(['invoice', 'pcard', 'virtual_card']).nullable().optional(),
  'invoice-matching-level': z.enum(['2-way', '3-way', '3-way-direct', 'none']).optional(),
  'on-hold': z.boolean().optional(),
  currency: Code.nullable().optional(),
});
export type SupplierUpdate = z.infer<typeof SupplierUpdate>;
export const SupplierCreate = SupplierUpdate.extend({ name: text.min(1) });
export type SupplierCreate = z.infer<typeof SupplierCreate>;

export const OrderLineIn = z.object({
  id: z.number().int().optional(),
  'line-num': z.number().int().positive().optional(),
  description: text.min(1),
  quantity: decimal,
  price: decimal,
  uom: Code.nullable().optional(),
  'need-by-date': z.string().nullable().optional(),
  account: AccountRef.nullable().optional(),
  'source-part-num': text.nullable().optional(),
});
export type OrderLineIn = z.infer<typeof OrderLineIn>;

export const PurchaseOrderCreate = z.object({
  'po-number': text.min(1),
  supplier: SupplierRef,
  currency: Code.optional(),
  'payment-term': Code.nullable().optional(),
  status: z.enum(PO_STATUSES).optional(),
  'order-lines': z.array(OrderLineIn).min(1),
});
export type PurchaseOrderCreate = z.infer<typeof PurchaseOrderCreate>;

export const PurchaseOrderUpdate = z.object({
  currency: Code.optional(),
  'payment-term': Code.nullable().optional(),
  /** Lines with an id change that line; lines without one are added. */
  'order-lines': z.array(OrderLineIn.partial({ description: true, quantity: true, price: true })).optional(),
});
export type PurchaseOrderUpdate = z.infer<typeof PurchaseOrderUpdate>;

export const InvoiceLineIn = z.object({
  description: text.min(1),
  quantity: decimal,
  price: decimal,
  'order-line-id': z.number().int().nullable().optional(),
  'po-number': text.nullable().optional(),
  account: AccountRef.nullable().optional(),
});

export const InvoiceCreate = z.object({
  'invoice-number': text.min(1),
  'invoice-date': z.iso.date().or(z.iso.datetime({ offset: true })),
  supplier: SupplierRef,
  currency: Code.optional(),
  'payment-term': Code.nullable().optional(),
  status: z.enum(INVOICE_STATUSES).optional(),
  'tax-amount': decimal.optional(),
  'invoice-lines': z.array(InvoiceLineIn).min(1),
});
export type InvoiceCreate = z.infer<typeof InvoiceCreate>;

export const InvoiceUpdate = z.object({
  'invoice-date': z.iso.date().or(z.iso.datetime({ offset: true })).optional(),
  'payment-term': Code.nullable().optional(),
  status: z.enum(INVOICE_STATUSES).optional(),
});
export type InvoiceUpdate = z.infer<typeof InvoiceUpdate>;

export const LookupUpdate = z.object({ name: text.min(1).optional(), description: text.nullable().optional(), active: z.boolean().optional() });
export const LookupCreate = LookupUpdate.extend({ name: text.min(1) });
export type LookupCreate = z.infer<typeof LookupCreate>;

export const LookupValueUpdate = z.object({
  name: text.min(1).optional(),
  description: text.nullable().optional(),
  'external-ref-num': text.min(1).nullable().optional(),
  active: z.boolean().optional(),
  'is-default': z.boolean().optional(),
  parent: NamedRef.nullable().optional(),
});
export const LookupValueCreate = LookupValueUpdate.extend({ name: text.min(1), lookup: NamedRef });
export type LookupValueCreate = z.infer<typeof LookupValueCreate>;
export type LookupValueUpdate = z.infer<typeof LookupValueUpdate>;

export const AccountUpdate = z.object({
  name: text.min(1).optional(),
  active: z.boolean().optional(),
  'segment-1': text.min(1).optional(),
  'segment-2': text.nullable().optional(),
  'segment-3': text.nullable().optional(),
});
export const AccountCreate = AccountUpdate.extend({ 'segment-1': text.min(1), 'account-type': NamedRef });
export type AccountCreate = z.infer<typeof AccountCreate>;
export type AccountUpdate = z.infer<typeof AccountUpdate>;

/** Coupa accepts `created_at` and `created-at` alike; the simulator works with the JSON (hyphen) names. */
export function hyphenateKeys(value: unknown): unknown {
  // A body already in hyphen names (what clients send) is returned as is: no copy per request.
  if (!hasUnderscoreKey(value)) return value;
  if (Array.isArray(value)) return value.map(hyphenateKeys);
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k.replace(/_/g, '-'), hyphenateKeys(v)]));
}

function hasUnderscoreKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasUnderscoreKey);
  if (value === null || typeof value !== 'object') return false;
  for (const key in value) if (key.includes('_') || hasUnderscoreKey((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** zod issues as Coupa-style `{ field: [message] }` validation errors. */
export function issuesToErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'base';
    (out[field] ??= []).push(issue.message);
  }
  return out;
}
