import { z } from 'zod';
import { CurrencyCode, Decimal, IsoDate, NonEmpty } from './primitives.js';

export const InvoiceLine = z.object({
  lineNumber: z.number().int().positive(),
  description: z.string(),
  quantity: Decimal,
  unitPrice: Decimal,
  amount: Decimal,
  poNumber: z.string().optional(),
  poLineNumber: z.number().int().positive().optional(),
  glAccount: z.string().optional(),
  costCentre: z.string().optional(),
});
export type InvoiceLine = z.infer<typeof InvoiceLine>;

/** A supplier invoice; the natural key is invoice number + supplier number. */
export const InvoiceData = z.object({
  number: NonEmpty,
  supplierNumber: NonEmpty,
  invoiceDate: IsoDate,
  dueDate: IsoDate.optional(),
  currency: CurrencyCode,
  status: z.enum(['draft', 'pending', 'approved', 'posted', 'paid', 'voided']),
  poNumber: z.string().optional(),
  total: Decimal,
  taxAmount: Decimal.optional(),
  lines: z.array(InvoiceLine),
});
export type InvoiceData = z.infer<typeof InvoiceData>;

/**
 * The natural key of an invoice, the event key and the target-record key alike: invoice numbers
 * repeat across suppliers, so the supplier number comes first.
 */
export function invoiceKey(invoice: Pick<InvoiceData, 'supplierNumber' | 'number'>): string {
  return `${invoice.supplierNumber}/${invoice.number}`;
}
