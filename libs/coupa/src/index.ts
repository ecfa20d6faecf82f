export { SUPPLIERS_PER_FIND, listableSupplierNumber, type CoupaApi, type CoupaExportApi, type CoupaExportResource, type CoupaListApi, type CoupaListFilter } from './api.js';
export { createCoupaClient, type CoupaClientParams } from './client.js';
export { coupaClientFromSettings } from './settings.js';
export { CoupaMapping, DEFAULT_COUPA_MAPPING } from './mapping.js';
export {
  CoupaSupplier,
  CoupaAccount,
  CoupaLookup,
  CoupaLookupValue,
  CoupaPurchaseOrder,
  CoupaInvoice,
} from './wire.js';
export { coupaSupplierUpdate, toCoupaSupplier, type CoupaSupplierRequest, type CoupaSupplierUpdate } from './from-canonical/supplier.js';
export { toCoupaLookupValue, type CoupaLookupValueRequest } from './from-canonical/lookup-value.js';
export { toCoupaAccount, type CoupaAccountRef, type LineDimensions } from './from-canonical/account.js';
export { toCoupaPurchaseOrder, type CoupaPurchaseOrderRequest, type CoupaOrderLineRequest } from './from-canonical/purchase-order.js';
export { toCoupaInvoice, type CoupaInvoiceRequest, type CoupaInvoiceLineRequest } from './from-canonical/invoice.js';
export type { CoupaSourceRecord } from './to-canonical/result.js';
export { toCanonicalSupplier } from './to-canonical/supplier.js';
export { toCanonicalPurchaseOrder } from './to-canonical/purchase-order.js';
export { toCanonicalInvoice, type InvoiceMapOptions } from './to-canonical/invoice.js';
export { COUPA_RESOURCES, coupaScopesNeeded, createCoupaProbe, type CoupaProbe, type CoupaResource } from './probe.js';
