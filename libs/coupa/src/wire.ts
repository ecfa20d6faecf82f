import { z } from 'zod';

// Coupa's JSON keeps the hyphenated element names of its XML API, has no root node, sends
// decimals as strings and ids as integers. Responses carry many more fields than we use; the
// schemas below list what we read and let the rest through.

const Ref = z.object({ id: z.number().int().optional() }).loose();
const Decimalish = z.union([z.string(), z.number()]).transform(String);

export const CoupaSupplier = z
  .object({
    id: z.number().int(),
    name: z.string(),
    number: z.string().nullable().optional(),
    status: z.string().nullable().optional(),
    'updated-at': z.string().optional(),
  })
  .loose();
export type CoupaSupplier = z.infer<typeof CoupaSupplier>;

export const CoupaLookup = z.object({ id: z.number().int(), name: z.string() }).loose();
export type CoupaLookup = z.infer<typeof CoupaLookup>;

export const CoupaLookupValue = z
  .object({
    id: z.number().int(),
    name: z.string(),
    'external-ref-num': z.string().nullable().optional(),
    active: z.boolean().optional(),
    lookup: Ref.nullable().optional(),
  })
  .loose();
export type CoupaLookupValue = z.infer<typeof CoupaLookupValue>;

export const CoupaAccount = z
  .object({ id: z.number().int(), code: z.string(), name: z.string().optional(), active: z.boolean().optional(), 'account-type': Ref.nullable().optional() })
  .loose();
export type CoupaAccount = z.infer<typeof CoupaAccount>;

export const CoupaOrderLine = z
  .object({ id: z.number().int(), 'line-num': z.union([z.string(), z.number()]).transform(String), quantity: Decimalish.optional(), price: Decimalish.optional() })
  .loose();

export const CoupaPurchaseOrder = z
  .object({
    id: z.number().int(),
    'po-number': z.string(),
    status: z.string().optional(),
    'order-lines': z.array(CoupaOrderLine).optional(),
  })
  .loose();
export type CoupaPurchaseOrder = z.infer<typeof CoupaPurchaseOrder>;

export const CoupaInvoice = z
  .object({
    id: z.number().int(),
    'invoice-number': z.string(),
    status: z.string().optional(),
    supplier: Ref.nullable().optional(),
  })
  .loose();
export type CoupaInvoice = z.infer<typeof CoupaInvoice>;

/** Coupa's JSON error body: `{"errors": {...}}` (field → messages) or `{"errors": [...]}`. */
export const CoupaErrors = z.object({ errors: z.unknown() }).loose();

/** Flattens Coupa's error body into one readable line for outcomes and the DLQ. */
export function coupaErrorMessage(body: unknown): string | undefined {
  const parsed = CoupaErrors.safeParse(body);
  if (!parsed.success) return undefined;
  const { errors } = parsed.data;
  if (typeof errors === 'string') return errors;
  if (Array.isArray(errors)) return errors.map(String).join('; ');
  if (errors && typeof errors === 'object') {
    return Object.entries(errors)
      .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`)
      .join('; ');
  }
  return undefined;
}
