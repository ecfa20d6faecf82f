import { z } from 'zod';

/**
 * Records exactly as Coupa's JSON API (and so a call-out body) carries them: hyphenated keys,
 * integer ids, decimals as strings, ISO-8601 instants. Keys we do not read are stripped, not
 * rejected: real tenants send many more than the sandbox, and custom fields vary per tenant.
 */
const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string such as "12.50"');
const Instant = z.iso.datetime({ offset: true });
// Coupa dates are either plain dates or midnight instants, depending on the field and version.
const DateOrInstant = z.union([z.iso.date(), Instant]);
const Code = z.object({ code: z.string() });
const Id = z.number().int();
const LineNum = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const User = z.object({ login: z.string().nullable().optional(), email: z.string().nullable().optional() });

const Audit = {
  id: Id,
  'created-at': Instant,
  'updated-at': Instant,
  'updated-by': User.nullable().optional(),
};

// Real tenants send phone numbers as an object of parts; the sandbox sends one string.
const Phone = z.union([
  z.string(),
  z.object({ 'country-code': z.string().nullable().optional(), 'area-code': z.string().nullable().optional(), number: z.string().nullable().optional() }),
]);

export const InboundSupplier = z.object({
  ...Audit,
  name: z.string(),
  number: z.string().nullable(),
  status: z.enum(['active', 'inactive', 'onboarding']),
  'on-hold': z.boolean().optional(),
  'payment-term': Code.nullable().optional(),
  'tax-id': z.string().nullable().optional(),
  currency: Code.nullable().optional(),
  'primary-contact': z
    .object({
      email: z.string().nullable().optional(),
      'name-given': z.string().nullable().optional(),
      'name-family': z.string().nullable().optional(),
      'phone-work': Phone.nullable().optional(),
    })
    .nullable()
    .optional(),
  'primary-address': z
    .object({
      street1: z.string().nullable().optional(),
      street2: z.string().nullable().optional(),
      street3: z.string().nullable().optional(),
      street4: z.string().nullable().optional(),
      city: z.string().nullable().optional(),
      state: z.string().nullable().optional(),
      'postal-code': z.string().nullable().optional(),
      country: Code.nullable().optional(),
    })
    .nullable()
    .optional(),
});
export type InboundSupplier = z.infer<typeof InboundSupplier>;

/** A line's account: the sandbox sends `{id, code, name}`; tenants also send `segment-1`…`segment-20`. */
export const InboundAccount = z
  .object({ id: Id.optional(), code: z.string().nullable().optional(), name: z.string().nullable().optional() })
  .catchall(z.unknown());
export type InboundAccount = z.infer<typeof InboundAccount>;

const SupplierRef = z.object({ id: Id, number: z.string().nullable().optional(), name: z.string().nullable().optional() });

export const InboundOrderLine = z.object({
  id: Id,
  'line-num': LineNum,
  description: z.string().nullable(),
  quantity: Decimal.nullable(),
  price: Decimal,
  total: Decimal.optional(),
  uom: Code.nullable().optional(),
  'need-by-date': DateOrInstant.nullable().optional(),
  account: InboundAccount.nullable().optional(),
  'source-part-num': z.string().nullable().optional(),
});

export const PO_STATUSES = ['draft', 'buyer_hold', 'supplier_hold', 'issued', 'closed', 'soft_closed', 'cancelled'] as const;

export const InboundPurchaseOrder = z.object({
  ...Audit,
  'po-number': z.string(),
  status: z.enum(PO_STATUSES),
  version: z.number().int().optional(),
  supplier: SupplierRef,
  currency: Code,
  'created-by': User.nullable().optional(),
  requester: User.nullable().optional(),
  'order-lines': z.array(InboundOrderLine),
});
export type InboundPurchaseOrder = z.infer<typeof InboundPurchaseOrder>;

export const InboundInvoiceLine = z.object({
  id: Id,
  'line-num': LineNum,
  description: z.string().nullable(),
  quantity: Decimal.nullable(),
  price: Decimal,
  total: Decimal,
  'order-line-id': Id.nullable().optional(),
  /** Not in the sandbox; tenants that expose the PO line's number send it here. */
  'order-line-num': LineNum.nullable().optional(),
  'po-number': z.string().nullable().optional(),
  account: InboundAccount.nullable().optional(),
});

export const INVOICE_STATUSES = ['draft', 'pending_approval', 'approved', 'disputed', 'voided'] as const;

export const InboundInvoice = z.object({
  ...Audit,
  'invoice-number': z.string(),
  'invoice-date': DateOrInstant,
  'payment-due-date': DateOrInstant.nullable().optional(),
  status: z.enum(INVOICE_STATUSES),
  supplier: SupplierRef,
  currency: Code,
  'gross-total': Decimal.optional(),
  'tax-amount': Decimal.nullable().optional(),
  'total-with-taxes': Decimal,
  'invoice-lines': z.array(InboundInvoiceLine),
});
export type InboundInvoice = z.infer<typeof InboundInvoice>;
