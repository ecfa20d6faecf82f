export { parseIonApi, readIonApiFile, type IonApiCredentials } from './ionapi.js';
export { createIonAuth, type IonAuth, type IonAuthParams } from './ion-auth.js';
export { createM3Client, m3FailureOf, type BulkTransaction, type ExecuteOptions, type M3Client, type M3ClientParams } from './m3-client.js';
export { m3ClientFromSettings } from './settings.js';
export { MiRecord, MiResponse, type M3Failure, type MiInput } from './wire.js';
export type { InforApi, InvoiceBatchRef } from './api.js';
export { createInforApi, type InforApiParams } from './m3-api.js';
export { InforMapping, M3Transactions, type ProgramTransaction } from './mapping.js';
export { m3SupplierUpdate, toM3Supplier, type M3SupplierRecord, type M3SupplierUpdate } from './from-canonical/supplier.js';
export { supplierChangedAt, toCanonicalSupplier } from './to-canonical/supplier.js';
export { createSupplierChangeReader, type SupplierChangeReader, type SupplierChangeStart } from './supplier-changes.js';
export {
  isTransferablePurchaseOrder,
  toM3PurchaseOrder,
  type M3PoHead,
  type M3PoLine,
  type M3PurchaseOrder,
} from './from-canonical/purchase-order.js';
export { planPoLineChanges, type M3PoLineChanges, type M3PoLineUpdate } from './from-canonical/purchase-order-lines.js';
export {
  invoicePoNumbers,
  isTransferableInvoice,
  toM3Invoice,
  type M3Invoice,
  type M3InvoiceHead,
  type M3InvoiceLine,
  type M3OrderLines,
} from './from-canonical/invoice.js';
