import type { CoupaInvoiceRequest } from './from-canonical/invoice.js';
import type { CoupaLookupValueRequest } from './from-canonical/lookup-value.js';
import type { CoupaPurchaseOrderRequest } from './from-canonical/purchase-order.js';
import type { CoupaSupplierRequest, CoupaSupplierUpdate } from './from-canonical/supplier.js';
import type { CoupaAccount, CoupaInvoice, CoupaLookup, CoupaLookupValue, CoupaPurchaseOrder, CoupaSupplier } from './wire.js';
import type { CoupaAccountRef } from './from-canonical/account.js';

/**
 * What writers need from Coupa, as a narrow port: the HTTP client implements it, unit tests hand
 * in a fake. Finders answer `undefined` when Coupa has no match (JSON answers `[]`).
 */
export interface CoupaApi {
  findSupplierByNumber(number: string): Promise<CoupaSupplier | undefined>;
  /**
   * The suppliers of up to `SUPPLIERS_PER_FIND` numbers in one call, by number (Coupa's `in`
   * operator); a number Coupa has no supplier for is absent. A number that is not
   * `listableSupplierNumber` cannot be listed: ask `findSupplierByNumber`.
   */
  findSuppliersByNumbers(numbers: readonly string[]): Promise<Map<string, CoupaSupplier>>;
  createSupplier(body: CoupaSupplierRequest): Promise<CoupaSupplier>;
  updateSupplier(id: number, body: CoupaSupplierUpdate): Promise<CoupaSupplier>;

  findLookupByName(name: string): Promise<CoupaLookup | undefined>;
  createLookup(name: string): Promise<CoupaLookup>;
  findLookupValue(lookupName: string, externalRefNum: string): Promise<CoupaLookupValue | undefined>;
  createLookupValue(body: CoupaLookupValueRequest): Promise<CoupaLookupValue>;
  updateLookupValue(id: number, body: CoupaLookupValueRequest): Promise<CoupaLookupValue>;

  /** Accounts live under a chart of accounts (account type) and are identified by their code. */
  findAccount(code: string, chartOfAccounts: string): Promise<CoupaAccount | undefined>;
  createAccount(account: CoupaAccountRef & { name: string; active: boolean }): Promise<CoupaAccount>;

  findPurchaseOrderByNumber(poNumber: string): Promise<CoupaPurchaseOrder | undefined>;
  createPurchaseOrder(body: CoupaPurchaseOrderRequest): Promise<CoupaPurchaseOrder>;
  updatePurchaseOrder(id: number, body: CoupaPurchaseOrderRequest): Promise<CoupaPurchaseOrder>;
  /** `DELETE /api/purchase_order_lines/:id`: Coupa refuses lines it cannot remove (invoiced ones, say) with a validation error. */
  deleteOrderLine(lineId: number, context: { poNumber: string; lineNumber: number }): Promise<void>;

  findInvoice(invoiceNumber: string, supplierNumber: string): Promise<CoupaInvoice | undefined>;
  createInvoice(body: CoupaInvoiceRequest): Promise<CoupaInvoice>;
  updateInvoice(id: number, body: CoupaInvoiceRequest): Promise<CoupaInvoice>;
}

/** Most numbers in one `findSuppliersByNumbers`: Coupa's largest page (`limit`). */
export const SUPPLIERS_PER_FIND = 50;

/**
 * Whether a supplier number can be asked for in a list (`number[in]=`): not empty, no comma (the
 * list's separator), no space at either end (which a list item may lose). Others are asked alone.
 */
export const listableSupplierNumber = (number: string): boolean => number !== '' && !number.includes(',') && number.trim() === number;

/** Narrows a list to records changed at or after a time: Coupa's `updated-at[gt_or_eq]=` query operator (its timestamps are whole seconds). */
export interface CoupaListFilter {
  updatedSince?: Date;
}

/** Coupa's records in pages (`offset`/`limit`, id order), for reading a whole side (reconciliation), or what changed since a time. */
export interface CoupaListApi {
  listSuppliers(offset: number, limit: number, filter?: CoupaListFilter): Promise<CoupaSupplier[]>;
  listPurchaseOrders(offset: number, limit: number, filter?: CoupaListFilter): Promise<CoupaPurchaseOrder[]>;
}

export type CoupaExportResource = 'purchase_orders' | 'invoices';

/** Coupa's "not yet exported" pattern, for customers who register no call-outs. */
export interface CoupaExportApi {
  /** Records of `resource` with `exported=false` and `status`, in id order, from `offset`. */
  listNotExported(resource: CoupaExportResource, status: string, offset: number, limit: number): Promise<unknown[]>;
  /** `PUT /api/<resource>/<id>?exported=true`: its own call, as Coupa documents (other changes in it may be ignored). */
  markExported(resource: CoupaExportResource, id: number): Promise<void>;
}
