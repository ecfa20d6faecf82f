import { z } from 'zod';

/**
 * SYSPRO's wire format on the OData read side. The envelope is generic OData v4 JSON (SYSPRO
 * specifics unconfirmed, see README). Rows are lenient: the column set varies with the SYSPRO
 * version, custom form fields and the operator's access, so unknown columns pass through and the
 * mappers pick, by configured column name, what they need.
 */

/** A column value as OData JSON carries it. Edm.Decimal may arrive as number or (IEEE754Compatible) string. */
export const ODataScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ODataScalar = z.infer<typeof ODataScalar>;

/** One row of any entity set: column name → value. Non-scalar values (navigation, streams) are kept but ignored. */
export const SysproRow = z.record(z.string(), z.unknown());
export type SysproRow = z.infer<typeof SysproRow>;

export const ODataEnvelope = z.looseObject({
  '@odata.context': z.string().optional(),
  '@odata.nextLink': z.string().min(1).optional(),
  '@odata.count': z.union([z.number(), z.string()]).optional(),
  value: z.array(SysproRow),
});
export type ODataEnvelope = z.infer<typeof ODataEnvelope>;

/** OData v4 JSON error body (`{"error":{"code","message"}}`), read only to make error messages useful. */
export const ODataErrorBody = z.object({
  error: z.looseObject({ code: z.string().optional(), message: z.union([z.string(), z.looseObject({ value: z.string() })]).optional() }),
});

const Text = ODataScalar.optional();

/*
 * Per-table row schemas with SYSPRO's SQL column names as defaults. Column names beyond the ones
 * in vendors.md §1.1 are assumptions from SYSPRO's data dictionary and can be overridden per
 * connection (see to-canonical/mapping.ts); these schemas document and check fixtures, the
 * mappers read columns by configured name.
 */

export const ApSupplierRow = z.looseObject({
  Supplier: z.string(),
  SupplierName: Text,
  Currency: Text,
  TermsCode: Text,
  OnHold: Text,
  TaxRegnNum: Text,
  Contact: Text,
  Telephone: Text,
  Email: Text,
});
export type ApSupplierRow = z.infer<typeof ApSupplierRow>;

export const PorMasterHdrRow = z.looseObject({
  PurchaseOrder: z.string(),
  Supplier: Text,
  OrderStatus: Text,
  CancelledFlag: Text,
  OrderEntryDate: Text,
  Currency: Text,
  Buyer: Text,
});
export type PorMasterHdrRow = z.infer<typeof PorMasterHdrRow>;

export const PorMasterDetailRow = z.looseObject({
  PurchaseOrder: z.string(),
  Line: Text,
  MStockCode: Text,
  MStockDes: Text,
  MOrderQty: Text,
  MReceivedQty: Text,
  MPrice: Text,
  MOrderUom: Text,
  MLatestDueDate: Text,
  MGlCode: Text,
  MCompleteFlag: Text,
});
export type PorMasterDetailRow = z.infer<typeof PorMasterDetailRow>;

export const ApInvoiceRow = z.looseObject({
  Supplier: z.string(),
  Invoice: z.string(),
  InvoiceDate: Text,
  DueDate: Text,
  Currency: Text,
  OrigInvValue: Text,
  OrigTaxValue: Text,
  PurchaseOrder: Text,
  InvoiceStatus: Text,
});
export type ApInvoiceRow = z.infer<typeof ApInvoiceRow>;

export const GenMasterRow = z.looseObject({
  GlCode: z.string(),
  Description: Text,
  AccountType: Text,
  GlGroup: Text,
});
export type GenMasterRow = z.infer<typeof GenMasterRow>;

/** Entity sets read by default; every name is configurable because the OData exposure is unconfirmed. */
export const DEFAULT_ENTITY_SETS = {
  supplier: 'ApSupplier',
  purchaseOrderHeader: 'PorMasterHdr',
  purchaseOrderDetail: 'PorMasterDetail',
  invoice: 'ApInvoice',
  glAccount: 'GenMaster',
} as const;
