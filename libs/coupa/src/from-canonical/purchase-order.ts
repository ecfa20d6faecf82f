import { mapped, type MapResult, type PurchaseOrderData, unmappable } from '@mlc/events';
import type { CoupaMapping } from '../mapping.js';
import { toCoupaAccount, type CoupaAccountRef } from './account.js';

export interface CoupaOrderLineRequest {
  /** Coupa's id of an existing line: an update without it adds a line instead of changing one. */
  id?: number;
  'line-num': number;
  description: string;
  quantity: string;
  price: string;
  uom: { code: string };
  'need-by-date'?: string;
  'source-part-num'?: string;
  account: CoupaAccountRef;
}

export interface CoupaPurchaseOrderRequest {
  'po-number': string;
  status: 'draft' | 'issued' | 'closed' | 'cancelled';
  supplier: { number: string };
  currency: { code: string };
  'order-lines': CoupaOrderLineRequest[];
}

function coupaStatus(status: PurchaseOrderData['status']): CoupaPurchaseOrderRequest['status'] {
  switch (status) {
    case 'draft':
      return 'draft';
    case 'open':
    case 'approved':
    case 'issued':
    case 'received':
      return 'issued';
    case 'closed':
      return 'closed';
    case 'cancelled':
      return 'cancelled';
    default: {
      const unknownStatus: never = status;
      throw new Error(`unhandled purchase order status ${String(unknownStatus)}`);
    }
  }
}

/** Canonical PO (header + lines) → Coupa external purchase order, matched on `po-number`. */
export function toCoupaPurchaseOrder(data: PurchaseOrderData, mapping: CoupaMapping): MapResult<CoupaPurchaseOrderRequest> {
  if (data.lines.length === 0) return unmappable(`purchase order ${data.number} has no lines`, { poNumber: data.number });
  const lines: CoupaOrderLineRequest[] = [];
  for (const line of data.lines) {
    const coded = toCoupaAccount(line, mapping);
    if ('missing' in coded) {
      return unmappable(`purchase order ${data.number} line ${line.lineNumber} has no ${coded.missing}`, {
        poNumber: data.number,
        lineNumber: line.lineNumber,
        missing: coded.missing,
      });
    }
    lines.push({
      'line-num': line.lineNumber,
      description: line.description || line.itemCode || `Line ${line.lineNumber}`,
      quantity: line.quantity,
      price: line.unitPrice,
      uom: { code: line.unitOfMeasure || mapping.purchaseOrder.defaultUom },
      ...(line.dueDate ? { 'need-by-date': line.dueDate } : {}),
      ...(line.itemCode ? { 'source-part-num': line.itemCode } : {}),
      account: coded.account,
    });
  }
  return mapped({
    'po-number': data.number,
    status: coupaStatus(data.status),
    supplier: { number: data.supplierNumber },
    currency: { code: data.currency },
    'order-lines': lines,
  });
}
