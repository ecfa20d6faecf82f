import { type InvoiceData, mapped, type MapResult, unmappable } from '@mlc/events';
import type { CoupaMapping } from '../mapping.js';
import { toCoupaAccount, type CoupaAccountRef } from './account.js';

export interface CoupaInvoiceLineRequest {
  'line-num': number;
  description: string;
  quantity: string;
  price: string;
  total: string;
  account?: CoupaAccountRef;
  'order-header-num'?: string;
  'order-line-num'?: string;
}

export interface CoupaInvoiceRequest {
  'invoice-number': string;
  'invoice-date': string;
  'payment-due-date'?: string;
  supplier: { number: string };
  currency: { code: string };
  'tax-amount'?: string;
  'invoice-lines': CoupaInvoiceLineRequest[];
}

/**
 * Canonical invoice → Coupa invoice, matched on invoice number + supplier. Lines that point at a
 * PO line are matched by Coupa; lines without one must be coded to an account.
 */
export function toCoupaInvoice(data: InvoiceData, mapping: CoupaMapping): MapResult<CoupaInvoiceRequest> {
  if (data.lines.length === 0) return unmappable(`invoice ${data.number} has no lines`, { invoiceNumber: data.number });
  const lines: CoupaInvoiceLineRequest[] = [];
  for (const line of data.lines) {
    const poNumber = line.poNumber ?? data.poNumber;
    const base: CoupaInvoiceLineRequest = {
      'line-num': line.lineNumber,
      description: line.description || `Line ${line.lineNumber}`,
      quantity: line.quantity,
      price: line.unitPrice,
      total: line.amount,
    };
    if (poNumber && line.poLineNumber !== undefined) {
      lines.push({ ...base, 'order-header-num': poNumber, 'order-line-num': String(line.poLineNumber) });
      continue;
    }
    const coded = toCoupaAccount(line, mapping);
    if ('missing' in coded) {
      return unmappable(`invoice ${data.number} line ${line.lineNumber} has neither a PO line nor a ${coded.missing}`, {
        invoiceNumber: data.number,
        supplierNumber: data.supplierNumber,
        lineNumber: line.lineNumber,
        missing: coded.missing,
      });
    }
    lines.push({ ...base, account: coded.account });
  }
  return mapped({
    'invoice-number': data.number,
    'invoice-date': data.invoiceDate,
    ...(data.dueDate ? { 'payment-due-date': data.dueDate } : {}),
    supplier: { number: data.supplierNumber },
    currency: { code: data.currency },
    ...(data.taxAmount ? { 'tax-amount': data.taxAmount } : {}),
    'invoice-lines': lines,
  });
}
