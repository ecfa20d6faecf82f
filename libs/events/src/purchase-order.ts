import { z } from 'zod';
import { CurrencyCode, Decimal, IsoDate, NonEmpty } from './primitives.js';

export const PurchaseOrderLine = z.object({
  lineNumber: z.number().int().positive(),
  itemCode: z.string().optional(),
  description: z.string(),
  quantity: Decimal,
  unitOfMeasure: z.string().optional(),
  unitPrice: Decimal,
  dueDate: IsoDate.optional(),
  glAccount: z.string().optional(),
  costCentre: z.string().optional(),
  quantityReceived: Decimal.optional(),
});
export type PurchaseOrderLine = z.infer<typeof PurchaseOrderLine>;

/** A purchase order with all its lines: one event carries the whole document. */
export const PurchaseOrderData = z.object({
  number: NonEmpty.describe('purchase order number: the natural key'),
  supplierNumber: NonEmpty,
  status: z.enum(['draft', 'open', 'approved', 'issued', 'received', 'closed', 'cancelled']),
  orderDate: IsoDate,
  currency: CurrencyCode,
  buyer: z.string().optional(),
  lines: z.array(PurchaseOrderLine),
});
export type PurchaseOrderData = z.infer<typeof PurchaseOrderData>;
