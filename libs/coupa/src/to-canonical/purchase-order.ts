import { PurchaseOrderData, stopMapping, type MapResult } from '@mlc/events';
import type { CoupaMapping } from '../mapping.js';
import { dimensionsOf } from './account.js';
import { actorOf, calendarDate, compact, mapRecord, peek, text, utc, type CoupaSourceRecord } from './result.js';
import { InboundPurchaseOrder } from './wire.js';

function statusOf(status: InboundPurchaseOrder['status']): PurchaseOrderData['status'] {
  switch (status) {
    case 'draft':
      return 'draft';
    // Held POs are approved but not sent to the supplier yet.
    case 'buyer_hold':
    case 'supplier_hold':
      return 'approved';
    case 'issued':
      return 'issued';
    case 'closed':
    case 'soft_closed':
      return 'closed';
    case 'cancelled':
      return 'cancelled';
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

/**
 * Coupa purchase order JSON (header + `order-lines`) → canonical PO keyed by `po-number`. The
 * order date is the creation date (Coupa has no separate one on the record); lines are ordered by
 * line number so a reordered array does not change the content hash.
 */
export function toCanonicalPurchaseOrder(body: unknown, mapping: CoupaMapping): MapResult<CoupaSourceRecord<PurchaseOrderData>> {
  return mapRecord({
    entity: 'purchase-order',
    body,
    wire: InboundPurchaseOrder,
    canonical: PurchaseOrderData,
    keyOf: (b) => peek(b, 'po-number'),
    map: (record) => {
      const number = text(record['po-number']) ?? stopMapping(`Coupa purchase order ${record.id} has no PO number`, { coupaId: record.id });
      const supplierNumber =
        text(record.supplier.number) ??
        stopMapping(`purchase order ${number}: its supplier ${record.supplier.id} has no supplier number`, { supplierId: record.supplier.id, field: 'supplier.number' });
      const lines = [...record['order-lines']]
        .sort((a, b) => a['line-num'] - b['line-num'])
        .map((line) =>
          compact({
            lineNumber: line['line-num'],
            itemCode: text(line['source-part-num']),
            description: text(line.description) ?? '',
            // Amount-based lines have no quantity; one unit of their price is the same money.
            quantity: line.quantity ?? '1',
            unitOfMeasure: text(line.uom?.code),
            unitPrice: line.price,
            dueDate: line['need-by-date'] ? calendarDate(line['need-by-date']) : undefined,
            ...dimensionsOf(line.account, mapping),
          }),
        );
      const data = compact({
        number,
        supplierNumber,
        status: statusOf(record.status),
        orderDate: calendarDate(record['created-at']),
        currency: record.currency.code.toUpperCase(),
        buyer: actorOf(record.requester) ?? actorOf(record['created-by']),
        lines,
      });
      return { key: number, data, occurredAt: utc(record['updated-at']), actor: actorOf(record['updated-by']) };
    },
  });
}
