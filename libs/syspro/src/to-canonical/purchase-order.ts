import { type MapResult, PurchaseOrderData, type PurchaseOrderLine, type SourceRecord, stopMapping } from '@mlc/events';
import type { SysproRow } from '../wire.js';
import type { SysproMapping } from './mapping.js';
import {
  orderedLines,
  calendarDate,
  decimal,
  flag,
  instant,
  mapRow,
  peek,
  positiveInt,
  requiredCalendarDate,
  requiredDecimal,
  requiredText,
  text,
} from './read.js';

/**
 * PorMasterHdr row + all its PorMasterDetail rows → one canonical purchase order with every line.
 * Lines are sorted by line number so the same PO always hashes the same, whatever order OData
 * returned them in. See `DEFAULT_PO_STATUSES` for the status table.
 */
export function toCanonicalPurchaseOrder(
  header: SysproRow,
  lines: readonly SysproRow[],
  mapping: SysproMapping,
): MapResult<SourceRecord<PurchaseOrderData>> {
  const { header: h, line: l, statuses, cancelledValues, skipLineTypes } = mapping.purchaseOrder;
  const timeZone = mapping.dates.timeZone;
  return mapRow(
    { entity: 'purchase-order', key: peek(header, h.number) },
    () => {
      const number = requiredText(header, h.number);
      const code = requiredText(header, h.status);
      const status = flag(header, h.cancelled, cancelledValues) ? 'cancelled' : statuses[code];
      if (status === undefined) stopMapping('unknown SYSPRO order status code', { column: h.status, code });

      const mappedLines: PurchaseOrderLine[] = [];
      for (const row of lines) {
        const owner = requiredText(row, l.purchaseOrder);
        if (owner !== number) stopMapping('line belongs to another purchase order', { column: l.purchaseOrder, linePurchaseOrder: owner });
        const lineType = text(row, l.lineType);
        if (lineType !== undefined && skipLineTypes.includes(lineType)) continue;
        const lineNumber = positiveInt(row, l.lineNumber) ?? stopMapping('line number is missing', { column: l.lineNumber });
        const line: PurchaseOrderLine = {
          lineNumber,
          description: text(row, l.description) ?? text(row, l.comment) ?? text(row, l.itemCode) ?? '',
          quantity: requiredDecimal(row, l.quantity),
          unitPrice: requiredDecimal(row, l.unitPrice),
        };
        const optional = {
          itemCode: text(row, l.itemCode),
          unitOfMeasure: text(row, l.unitOfMeasure),
          dueDate: calendarDate(row, l.dueDate, timeZone),
          glAccount: text(row, l.glAccount),
          costCentre: text(row, l.costCentre),
          quantityReceived: decimal(row, l.quantityReceived),
        };
        for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(line, { [k]: v });
        mappedLines.push(line);
      }
      orderedLines(mappedLines, l.lineNumber);

      const data: PurchaseOrderData = {
        number,
        supplierNumber: requiredText(header, h.supplier),
        status,
        orderDate: requiredCalendarDate(header, h.orderDate, timeZone),
        currency: text(header, h.currency)?.toUpperCase() ?? mapping.defaultCurrency,
        lines: mappedLines,
      };
      const buyer = text(header, h.buyer);
      if (buyer !== undefined) data.buyer = buyer;
      return { key: number, data, occurredAt: instant(header, h.changedAt, timeZone), actor: text(header, h.actor) };
    },
    PurchaseOrderData,
  );
}
