import type { CoupaInvoiceRequest } from './from-canonical/invoice.js';
import type { CoupaLookupValueRequest } from './from-canonical/lookup-value.js';
import type { CoupaPurchaseOrderRequest } from './from-canonical/purchase-order.js';
import type { CoupaSupplierRequest } from './from-canonical/supplier.js';
import type { CoupaAccount, CoupaInvoice, CoupaLookup, CoupaLookupValue, CoupaPurchaseOrder, CoupaSupplier } from './wire.js';
import type { CoupaAccountRef } from './from-canonical/account.js';

/**
 * What writers need from Coupa, as a narrow port: the HTTP client implements it, unit tests hand
 * in a fake. Finders answer `undefined` when Coupa has no match (JSON answers `[]`).
 */
export interface CoupaApi {
  findSupplierByNumber(number: string): Promise<CoupaSupplier | undefined>;
  createSupplier(body: CoupaSupplierRequest): Promise<CoupaSupplier>;
  updateSupplier(id: number, body: CoupaSupplierRequest): Promise<CoupaSupplier>;

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

  findInvoice(invoiceNumber: string, supplierNumber: string): Promise<CoupaInvoice | undefined>;
  createInvoice(body: CoupaInvoiceRequest): Promise<CoupaInvoice>;
  updateInvoice(id: number, body: CoupaInvoiceRequest): Promise<CoupaInvoice>;
}
