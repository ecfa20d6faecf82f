import { InvoiceData, invoiceKey, stopMapping, type MapResult } from '@mlc/events';
import type { CoupaMapping } from '../mapping.js';
import { dimensionsOf } from './account.js';
import { actorOf, calendarDate, compact, mapRecord, peek, text, utc, type CoupaSourceRecord } from './result.js';
import { InboundInvoice } from './wire.js';

function statusOf(status: InboundInvoice['status']): InvoiceData['status'] {
  switch (status) {
    case 'draft':
      return 'draft';
    // A disputed invoice is back with the supplier: not approved, not void.
    case 'pending_approval':
    case 'disputed':
      return 'pending';
    case 'approved':
      return 'approved';
    case 'voided':
      return 'voided';
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

export interface InvoiceMapOptions {
  /**
   * Coupa order-line id → that PO line's line number. Invoice lines name the PO line by its Coupa
   * id only (unless the tenant sends `order-line-num`), while the ERP matches on PO number + line
   * number, so the caller resolves the ids it can. Unresolved lines carry no `poLineNumber`.
   */
  orderLineNumbers?: ReadonlyMap<number, number>;
}

/**
 * Coupa invoice JSON (header + `invoice-lines`) → canonical invoice keyed by
 * `<supplier number>/<invoice number>` (invoice numbers are unique per supplier only). `total` is
 * the amount payable (`total-with-taxes`); the header `poNumber` is set when every line that
 * names a PO names the same one.
 */
export function toCanonicalInvoice(body: unknown, mapping: CoupaMapping, options: InvoiceMapOptions = {}): MapResult<CoupaSourceRecord<InvoiceData>> {
  return mapRecord({
    entity: 'invoice',
    body,
    wire: InboundInvoice,
    canonical: InvoiceData,
    keyOf: (b) => peek(b, 'invoice-number'),
    map: (record) => {
      const number = text(record['invoice-number']) ?? stopMapping(`Coupa invoice ${record.id} has no invoice number`, { coupaId: record.id });
      const supplierNumber =
        text(record.supplier.number) ??
        stopMapping(`invoice ${number}: its supplier ${record.supplier.id} has no supplier number`, { supplierId: record.supplier.id, field: 'supplier.number' });
      const lines = [...record['invoice-lines']]
        .sort((a, b) => a['line-num'] - b['line-num'])
        .map((line) => {
          const orderLineId = line['order-line-id'];
          const poLineNumber = line['order-line-num'] ?? (orderLineId == null ? undefined : options.orderLineNumbers?.get(orderLineId));
          return compact({
            lineNumber: line['line-num'],
            description: text(line.description) ?? '',
            quantity: line.quantity ?? '1',
            unitPrice: line.price,
            amount: line.total,
            poNumber: text(line['po-number']),
            poLineNumber,
            ...dimensionsOf(line.account, mapping),
          });
        });
      const poNumbers = new Set(lines.map((l) => l?.poNumber).filter((p) => p !== undefined));
      const data = compact({
        number,
        supplierNumber,
        invoiceDate: calendarDate(record['invoice-date']),
        dueDate: record['payment-due-date'] ? calendarDate(record['payment-due-date']) : undefined,
        currency: record.currency.code.toUpperCase(),
        status: statusOf(record.status),
        poNumber: poNumbers.size === 1 ? [...poNumbers][0] : undefined,
        total: record['total-with-taxes'],
        taxAmount: record['tax-amount'] ?? undefined,
        lines,
      });
      return { key: invoiceKey({ supplierNumber, number }), data, occurredAt: utc(record['updated-at']), actor: actorOf(record['updated-by']) };
    },
  });
}
