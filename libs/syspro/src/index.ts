export { ODataFilter, ODataLiteral, f, lit, orderBy, selectList, odataIdentifier, isODataIdentifier, toLiteral } from './odata-filter.js';
export type { ComparisonOperator, FilterValue, OrderBy } from './odata-filter.js';
export { initialCursor, advance, startQuery, continueQuery, cursorToJSON, cursorFromJSON, CursorKind, PollCursorJson, DEFAULT_OVERLAP_MS } from './cursor.js';
export type { PollCursor, CursorQuery, CursorQueryOptions, KeyValue } from './cursor.js';
export { ODataEnvelope, ODataScalar, SysproRow, ApSupplierRow, PorMasterHdrRow, PorMasterDetailRow, ApInvoiceRow, GenMasterRow, DEFAULT_ENTITY_SETS } from './wire.js';
