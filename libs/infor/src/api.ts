import type { M3InvoiceHead, M3InvoiceLine } from './from-canonical/invoice.js';
import type { M3PoHead, M3PoLine } from './from-canonical/purchase-order.js';
import type { M3PoLineUpdate } from './from-canonical/purchase-order-lines.js';
import type { M3SupplierRecord, M3SupplierUpdate } from './from-canonical/supplier.js';
import type { MiRecord } from './wire.js';

export interface InvoiceBatchRef {
  INBN: string;
  /** Batch status: 0 entered, 1 validation found errors, 2 validated (sandbox convention, see docs/infor.md). */
  SUPA: string;
}

/**
 * What infor-writer needs from M3, as a narrow port: `createInforApi` implements it over the MI
 * REST client, unit tests hand in a fake. Finders answer `undefined`/`[]` when M3 has no match;
 * every other M3 refusal is MLC_VENDOR_REJECTED with M3's errorType/errorField.
 */
export interface InforApi {
  getSupplier(suno: string): Promise<MiRecord | undefined>;
  addSupplier(record: M3SupplierRecord): Promise<void>;
  updateSupplier(record: M3SupplierUpdate): Promise<void>;

  /** PPS370MI batch entry: start → head (M3 assigns PUNO) → lines → finish. */
  startPoEntry(batchOrigin: string): Promise<string>;
  addPoHead(msgn: string, head: M3PoHead): Promise<string>;
  addPoEntryLines(msgn: string, puno: string, lines: readonly M3PoLine[]): Promise<void>;
  finishPoEntry(msgn: string): Promise<void>;
  /** Drops an unfinished entry; `false` when M3 no longer has it open (finished or deleted). */
  deletePoEntry(msgn: string): Promise<boolean>;
  /** A finished order's head; `undefined` when M3 has no such (finished) order. */
  getPurchaseOrder(puno: string): Promise<MiRecord | undefined>;
  listPurchaseOrderLines(puno: string): Promise<MiRecord[]>;
  addPurchaseOrderLines(puno: string, lines: readonly M3PoLine[]): Promise<void>;
  /** PPS200MI UpdLine per line: sets the fields given, leaves the others as M3 has them. */
  updatePurchaseOrderLines(puno: string, lines: readonly M3PoLineUpdate[]): Promise<void>;

  findInvoiceBatches(key: { suno: string; spyn: string; sino: string }): Promise<InvoiceBatchRef[]>;
  addInvoiceHead(head: M3InvoiceHead): Promise<string>;
  addInvoiceLines(inbn: string, lines: readonly M3InvoiceLine[]): Promise<void>;
  listInvoiceLines(inbn: string): Promise<MiRecord[]>;
  validateInvoiceBatch(inbn: string): Promise<void>;
}
