export { CostCentreData } from './cost-centre.js';
export {
  CanonicalEvent,
  ENTITIES,
  ENTITY_TYPES,
  EVENT_SCHEMAS,
  EntityTypeSchema,
  SOURCES,
  Source,
  partitionKeyFor,
  topicFor,
  type CostCentreEvent,
  type DataOf,
  type EntityType,
  type EventOf,
  type GlAccountEvent,
  type InvoiceEvent,
  type PurchaseOrderEvent,
  type SupplierEvent,
} from './envelope.js';
export { GlAccountData } from './gl-account.js';
export { InvoiceData, InvoiceLine, invoiceKey } from './invoice.js';
export { compact, mapStopping, mapped, stopMapping, unmappable, type MapResult, type SourceRecord } from './map-result.js';
export { OUTCOMES_TOPIC, Outcome } from './outcome.js';
export { CurrencyCode, Decimal, IsoDate, IsoDateTime, NonEmpty } from './primitives.js';
export { PurchaseOrderData, PurchaseOrderLine } from './purchase-order.js';
export { Address, BankAccount, Contact, SupplierData } from './supplier.js';

export { buildEvent, type BuildEventParams } from './build-event.js';
export { contentHashOf, type EventIdentity } from './identity.js';
export { jsonOf, parseOnce, parsedPayload } from './parsed.js';
export type { FieldIssue } from './issues.js';
export {
  knownTopics,
  parseTopic,
  type TopicInfo,
  type TopicSchema,
} from './topics.js';
export {
  createRegistryCodec,
  createSchemaRegistryClient,
  schemaRegistryClientFromEnv,
  type SchemaRegistryClientParams,
  decodeEvent,
  type RegistryClient,
  type RegistryCodecParams,
  type TopicCodec,
} from './codec.js';
export { type JsonSchemaDocument } from './json-schema.js';
export { WIRE_HEADER_BYTES, decodeWire, encodeWire, type WireMessage } from './wire-format.js';
