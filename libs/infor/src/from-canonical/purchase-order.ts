import { mapped, type MapResult, type PurchaseOrderData, unmappable } from '@mlc/events';
import type { InforMapping } from '../mapping.js';
import { m3Date, tooLong } from './result.js';

/** PPS370MI AddHead input without MSGN (the entry is the writer's business). */
export type M3PoHead = Readonly<Record<string, string>> & { readonly SUNO: string; readonly DWDT: string };
/** AddLine input without MSGN/PUNO; PNLI is set so invoices can find the line again. */
export type M3PoLine = Readonly<Record<string, string>> & { readonly PNLI: string; readonly ITNO: string; readonly ORQA: string };

export interface M3PurchaseOrder {
  head: M3PoHead;
  lines: M3PoLine[];
}

/** The M3 line number (PNLI) of a canonical PO line number; invoices use it to match. */
export function m3LineNumber(lineNumber: number, mapping: InforMapping): string {
  return String(lineNumber * mapping.purchaseOrder.lineNumberFactor);
}

/** Whether M3 should receive this PO at all (only approved/issued ones by default). */
export function isTransferablePurchaseOrder(data: Pick<PurchaseOrderData, 'status'>, mapping: InforMapping): boolean {
  return mapping.purchaseOrder.statuses.includes(data.status);
}

/**
 * Canonical PO → PPS370MI head + lines. The supplier number is the join key (SUNO). The Coupa PO
 * number travels in the configured reference field; M3 assigns its own PUNO. The head delivery
 * date (required) is the earliest line due date, else the order date. GL account and cost centre
 * go only to the line fields configured in `accountFields` (M3 derives PO accounting itself).
 */
export function toM3PurchaseOrder(data: PurchaseOrderData, mapping: InforMapping): MapResult<M3PurchaseOrder> {
  const po = mapping.purchaseOrder;
  const ctx = { poNumber: data.number, supplierNumber: data.supplierNumber };
  if (data.lines.length === 0) return unmappable(`purchase order ${data.number} has no lines`, ctx);
  if (tooLong(data.supplierNumber, 10)) return unmappable(`supplier number ${data.supplierNumber} is longer than M3's SUNO (10)`, { ...ctx, field: 'SUNO' });
  if (po.referenceField !== null && tooLong(data.number, 10)) {
    return unmappable(`PO number ${data.number} does not fit M3's ${po.referenceField} (10); set mappings.infor.purchaseOrder.referenceField to null`, { ...ctx, field: po.referenceField });
  }
  if (data.buyer !== undefined && tooLong(data.buyer, 10)) return unmappable(`buyer ${data.buyer} is longer than M3's BUYE (10)`, { ...ctx, field: 'BUYE' });

  const lines: M3PoLine[] = [];
  const seen = new Set<number>();
  for (const line of data.lines) {
    const lineCtx = { ...ctx, lineNumber: line.lineNumber };
    if (seen.has(line.lineNumber)) return unmappable(`purchase order ${data.number} has line ${line.lineNumber} twice`, lineCtx);
    seen.add(line.lineNumber);
    const item = line.itemCode ?? po.defaultItem;
    if (item === undefined) return unmappable(`line ${line.lineNumber} has no item code and no mappings.infor.purchaseOrder.defaultItem is set`, { ...lineCtx, field: 'ITNO' });
    if (tooLong(item, 15)) return unmappable(`item ${item} is longer than M3's ITNO (15)`, { ...lineCtx, field: 'ITNO' });
    const uom = line.unitOfMeasure === undefined ? undefined : (po.unitsOfMeasure[line.unitOfMeasure] ?? line.unitOfMeasure);
    if (tooLong(uom, 3)) return unmappable(`unit ${uom} does not fit M3's PUUN (3); map it in mappings.infor.purchaseOrder.unitsOfMeasure`, { ...lineCtx, field: 'PUUN' });
    const record: Record<string, string> = {
      PNLI: m3LineNumber(line.lineNumber, mapping),
      ITNO: item,
      ORQA: line.quantity,
      PUPR: line.unitPrice,
    };
    if (uom !== undefined) record.PUUN = uom;
    if (line.dueDate !== undefined) record.DWDT = m3Date(line.dueDate);
    if (line.description !== '') record.PITD = line.description.slice(0, 30);
    if (po.accountFields.glAccount && line.glAccount) record[po.accountFields.glAccount] = po.glAccounts[line.glAccount] ?? line.glAccount;
    if (po.accountFields.costCentre && line.costCentre) record[po.accountFields.costCentre] = po.costCentres[line.costCentre] ?? line.costCentre;
    lines.push(record as M3PoLine);
  }

  const dueDates = data.lines.map((l) => l.dueDate).filter((d): d is string => d !== undefined).sort();
  const head: Record<string, string> = {
    SUNO: data.supplierNumber,
    FACI: po.facility,
    WHLO: po.warehouse,
    DWDT: m3Date(dueDates[0] ?? data.orderDate),
    PUDT: m3Date(data.orderDate),
    CUCD: data.currency,
  };
  if (po.orderType !== undefined) head.ORTY = po.orderType;
  if (po.referenceField !== null) head[po.referenceField] = data.number;
  if (data.buyer !== undefined && data.buyer !== '') head.BUYE = data.buyer;
  return mapped({ head: head as M3PoHead, lines });
}
