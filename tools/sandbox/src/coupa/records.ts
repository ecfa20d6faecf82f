import { z } from 'zod';

/**
 * Records as the Coupa JSON API returns them: hyphenated keys, integer ids, decimals as strings,
 * ISO-8601 timestamps. The simulator stores them in this shape, so what is stored is what is served.
 */
const Timestamps = { id: z.number().int(), 'created-at': z.string(), 'updated-at': z.string() };
const Ref = z.object({ id: z.number().int(), name: z.string().optional(), number: z.string().optional(), code: z.string().optional() });
const Code = z.object({ code: z.string() });

export const Address = z.object({
  name: z.string().nullable(),
  street1: z.string().nullable(),
  street2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  'postal-code': z.string().nullable(),
  country: Code.nullable(),
});
export const Contact = z.object({
  email: z.string().nullable(),
  'name-given': z.string().nullable(),
  'name-family': z.string().nullable(),
  'phone-work': z.string().nullable(),
});

export const SupplierRecord = z.object({
  ...Timestamps,
  name: z.string(),
  'display-name': z.string().nullable(),
  number: z.string().nullable(),
  status: z.enum(['active', 'inactive', 'onboarding']),
  'payment-term': Code.nullable(),
  'tax-id': z.string().nullable(),
  'primary-contact': Contact.nullable(),
  'primary-address': Address.nullable(),
  'po-method': z.enum(['cxml', 'xml', 'email', 'integration', 'prompt', 'buy_online']),
  'payment-method': z.enum(['invoice', 'pcard', 'virtual_card']).nullable(),
  'invoice-matching-level': z.enum(['2-way', '3-way', '3-way-direct', 'none']),
  'on-hold': z.boolean(),
  currency: Code.nullable(),
});
export type SupplierRecord = z.infer<typeof SupplierRecord>;

export const OrderLineRecord = z.object({
  ...Timestamps,
  'line-num': z.number().int(),
  description: z.string(),
  quantity: z.string(),
  price: z.string(),
  total: z.string(),
  uom: Code.nullable(),
  'need-by-date': z.string().nullable(),
  account: Ref.nullable(),
  'source-part-num': z.string().nullable(),
});
export type OrderLineRecord = z.infer<typeof OrderLineRecord>;

export const PO_STATUSES = ['draft', 'buyer_hold', 'supplier_hold', 'issued', 'closed', 'soft_closed', 'cancelled'] as const;
export const PurchaseOrderRecord = z.object({
  ...Timestamps,
  'po-number': z.string(),
  type: z.literal('ExternalOrderHeader'),
  status: z.enum(PO_STATUSES),
  version: z.number().int(),
  'internal-revision': z.number().int(),
  exported: z.boolean(),
  'acknowledged-at': z.string().nullable(),
  'transmission-status': z.string(),
  supplier: Ref,
  currency: Code,
  'payment-term': Code.nullable(),
  total: z.string(),
  'order-lines': z.array(OrderLineRecord),
});
export type PurchaseOrderRecord = z.infer<typeof PurchaseOrderRecord>;

export const InvoiceLineRecord = z.object({
  ...Timestamps,
  'line-num': z.number().int(),
  description: z.string(),
  quantity: z.string(),
  price: z.string(),
  total: z.string(),
  'order-line-id': z.number().int().nullable(),
  'po-number': z.string().nullable(),
  account: Ref.nullable(),
});
export type InvoiceLineRecord = z.infer<typeof InvoiceLineRecord>;

export const INVOICE_STATUSES = ['draft', 'pending_approval', 'approved', 'disputed', 'voided'] as const;
export const InvoiceRecord = z.object({
  ...Timestamps,
  'invoice-number': z.string(),
  'invoice-date': z.string(),
  status: z.enum(INVOICE_STATUSES),
  exported: z.boolean(),
  supplier: Ref,
  currency: Code,
  'payment-term': Code.nullable(),
  'gross-total': z.string(),
  'total-with-taxes': z.string(),
  'tax-amount': z.string(),
  'invoice-lines': z.array(InvoiceLineRecord),
});
export type InvoiceRecord = z.infer<typeof InvoiceRecord>;

export const LookupRecord = z.object({ ...Timestamps, name: z.string(), description: z.string().nullable(), active: z.boolean() });
export type LookupRecord = z.infer<typeof LookupRecord>;

export const LookupValueRecord = z.object({
  ...Timestamps,
  active: z.boolean(),
  name: z.string(),
  description: z.string().nullable(),
  'external-ref-num': z.string().nullable(),
  'external-ref-code': z.string().nullable(),
  lookup: Ref,
  'lookup-id': z.number().int(),
  parent: Ref.nullable(),
  'parent-id': z.number().int().nullable(),
  depth: z.number().int(),
  'is-default': z.boolean(),
});
export type LookupValueRecord = z.infer<typeof LookupValueRecord>;

export const AccountTypeRecord = z.object({ ...Timestamps, name: z.string(), active: z.boolean(), currency: Code });
export type AccountTypeRecord = z.infer<typeof AccountTypeRecord>;

export const AccountRecord = z.object({
  ...Timestamps,
  name: z.string(),
  code: z.string(),
  active: z.boolean(),
  'account-type': Ref,
  'segment-1': z.string().nullable(),
  'segment-2': z.string().nullable(),
  'segment-3': z.string().nullable(),
});
export type AccountRecord = z.infer<typeof AccountRecord>;
