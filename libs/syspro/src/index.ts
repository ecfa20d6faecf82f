export { ODataFilter, ODataLiteral, f, orderBy } from './odata-filter.js';
export type { ComparisonOperator, FilterValue, OrderBy } from './odata-filter.js';
export {
  initialCursor,
  advance,
  startQuery,
  continueQuery,
  cursorToJSON,
  cursorFromJSON,
  CursorKind,
  PollCursorJson,
  startDateTime,
  cursorInstant,
  futureRows,
  clampFuture,
  lowerChangeNumber,
  changeNumberOf,
  isBehind,
} from './cursor.js';
export type { PollCursor, CursorQuery, CursorQueryOptions, KeyValue, FutureOptions, FutureRow } from './cursor.js';
export { isTimeZone, offsetAt, localDate, toWallClock, instantsOf, earliestInstant, latestInstant, lowestWallClockBetween } from './local-time.js';
export { ODataEnvelope, ODataScalar, SysproRow, ApSupplierRow, PorMasterHdrRow, PorMasterDetailRow, ApInvoiceRow, GenMasterRow, DEFAULT_ENTITY_SETS } from './wire.js';
export { SysproMapping } from './to-canonical/mapping.js';
export type { SysproMappingInput } from './to-canonical/mapping.js';
export { toCanonicalSupplier } from './to-canonical/supplier.js';
export { toCanonicalPurchaseOrder } from './to-canonical/purchase-order.js';
export { toCanonicalInvoice } from './to-canonical/invoice.js';
export { toCanonicalGlAccount } from './to-canonical/gl-account.js';
export { toCanonicalCostCentre } from './to-canonical/cost-centre.js';
export { createDocumentReader } from './documents.js';
export type { DocumentLayout, DocumentReader, DocumentReaderParams, SysproDocument } from './documents.js';
export { createSysproODataClient } from './odata-client.js';
export type { SysproODataClient, SysproODataClientParams, ODataQuery, ODataPage } from './odata-client.js';
export { createSysproEnetClient } from './enet-session.js';
export type { SysproEnetClient, SysproEnetClientParams, BusinessObjectResult, SetupMethod } from './enet-session.js';
export { sysproODataClientFromSettings, sysproEnetClientFromSettings } from './settings.js';
export { buildSysproXml, setupParameters, readBusinessObjectOutcome } from './enet-xml.js';
export type { XmlTree, BusinessObjectOutcome } from './enet-xml.js';
export { ApssspConfig, APSSSP_FIELDS, toApssspSupplier, toApssspWrite } from './from-canonical/apsssp.js';
export type { ApssspConfigInput, ApssspDocuments, ApssspField, ApssspWrite } from './from-canonical/apsssp.js';
export { createSysproSupplierLookup } from './supplier-lookup.js';
export type { SysproSupplierLookup, SysproSupplierLookupParams } from './supplier-lookup.js';
