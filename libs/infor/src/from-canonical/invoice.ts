import { type InvoiceData, mapped, type MapResult, unmappable } from '@mlc/events';
import type { InforMapping } from '../mapping.js';
import { m3LineNumber } from './purchase-order.js';
import { m3Date, tooLong } from './result.js';

/** APS450MI AddHead input. */
export type M3InvoiceHead = Readonly<Record<string, string>> & { readonly SUNO: string; readonly SINO: string; readonly IVDT: string };
/** APS450MI AddLine input without INBN. */
export type M3InvoiceLine = Readonly<Record<string, string>> & { readonly RDTP: string; readonly PUNO: string; readonly PNLI: string };

export interface M3Invoice {
  head: M3InvoiceHead;
  lines: M3InvoiceLine[];
}

/** What M3 has of the orders an invoice refers to: Coupa PO number → M3 PUNO and its line numbers. */
export type M3OrderLines = ReadonlyMap<string, { puno: string; lines: ReadonlySet<string> }>;

/** The Coupa PO numbers an invoice's lines refer to (a line's own, else the header's). */
export function invoicePoNumbers(data: InvoiceData): string[] {
  return [...new Set(data.lines.map((l) => l.poNumber ?? data.poNumber).filter((n): n is string => n !== undefined && n !== ''))];
}

/** Whether M3 should receive this invoice at all. */
export function isTransferableInvoice(data: Pick<InvoiceData, 'status'>, mapping: InforMapping): boolean {
  return mapping.invoice.statuses.includes(data.status);
}

/**
 * Canonical invoice → APS450MI head + PO-matched lines. Every line must match an existing M3 PO
 * line by PO number + line sequence (`orders`, read from M3 by the caller); a line that does not
 * is a permanent MLC_MAPPING_FAILED naming the line and the reason, before anything is written.
 */
export function toM3Invoice(data: InvoiceData, orders: M3OrderLines, mapping: InforMapping): MapResult<M3Invoice> {
  const ctx = { invoiceNumber: data.number, supplierNumber: data.supplierNumber };
  if (data.lines.length === 0) return unmappable(`invoice ${data.number} has no lines`, ctx);
  if (tooLong(data.number, 24)) return unmappable(`invoice number ${data.number} is longer than M3's SINO (24)`, { ...ctx, field: 'SINO' });
  if (tooLong(data.supplierNumber, 10)) return unmappable(`supplier number ${data.supplierNumber} is longer than M3's SUNO (10)`, { ...ctx, field: 'SUNO' });

  const lines: M3InvoiceLine[] = [];
  for (const line of data.lines) {
    const poNumber = line.poNumber ?? data.poNumber;
    const lineCtx = { ...ctx, lineNumber: line.lineNumber, poNumber, poLineNumber: line.poLineNumber };
    if (poNumber === undefined || poNumber === '' || line.poLineNumber === undefined) {
      return unmappable(`invoice ${data.number} line ${line.lineNumber} names no purchase order line to match`, { ...lineCtx, reason: 'no-po-line' });
    }
    const order = orders.get(poNumber);
    if (order === undefined) {
      return unmappable(`invoice ${data.number} line ${line.lineNumber}: purchase order ${poNumber} is not in M3`, { ...lineCtx, reason: 'po-not-in-m3' });
    }
    const pnli = m3LineNumber(line.poLineNumber, mapping);
    if (!order.lines.has(pnli)) {
      return unmappable(`invoice ${data.number} line ${line.lineNumber}: M3 order ${order.puno} (PO ${poNumber}) has no line ${pnli}`, {
        ...lineCtx,
        puno: order.puno,
        pnli,
        reason: 'po-line-not-in-m3',
      });
    }
    lines.push({ RDTP: mapping.invoice.poLineType, PUNO: order.puno, PNLI: pnli, IVQA: line.quantity, GRPR: line.unitPrice, NLAM: line.amount } as M3InvoiceLine);
  }

  const head: Record<string, string> = {
    SUNO: data.supplierNumber,
    SINO: data.number,
    IVDT: m3Date(data.invoiceDate),
    CUCD: data.currency,
    CUAM: data.total,
  };
  if (data.taxAmount !== undefined) head.VTAM = data.taxAmount;
  if (data.dueDate !== undefined) head.DUDT = m3Date(data.dueDate);
  if (mapping.invoice.batchType !== undefined) head.IBTP = mapping.invoice.batchType;
  const only = data.poNumber === undefined ? undefined : orders.get(data.poNumber);
  if (only !== undefined) head.PUNO = only.puno;
  return mapped({ head: head as M3InvoiceHead, lines });
}
