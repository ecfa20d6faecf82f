import { z } from 'zod';
import { CostCentreData } from './cost-centre.js';
import { GlAccountData } from './gl-account.js';
import { InvoiceData } from './invoice.js';
import { IsoDateTime, NonEmpty } from './primitives.js';
import { PurchaseOrderData } from './purchase-order.js';
import { SupplierData } from './supplier.js';

export const SOURCES = ['syspro', 'coupa', 'infor'] as const;
export const Source = z.enum(SOURCES);
export type Source = z.infer<typeof Source>;

/** Entity type → schema of its data and the plural used in topic names. */
export const ENTITIES = {
  supplier: { data: SupplierData, plural: 'suppliers' },
  'purchase-order': { data: PurchaseOrderData, plural: 'purchase-orders' },
  invoice: { data: InvoiceData, plural: 'invoices' },
  'gl-account': { data: GlAccountData, plural: 'gl-accounts' },
  'cost-centre': { data: CostCentreData, plural: 'cost-centres' },
} as const;
export type EntityType = keyof typeof ENTITIES;
export const ENTITY_TYPES = Object.keys(ENTITIES) as EntityType[];
export const EntityTypeSchema = z.enum(ENTITY_TYPES as [EntityType, ...EntityType[]]);

function envelopeOf<E extends EntityType, D extends z.ZodType>(entity: E, data: D) {
  return z.object({
    id: NonEmpty.describe('deterministic from source, connection, entity, key and contentHash'),
    type: z.literal(`${entity}.changed`),
    source: Source,
    connection: NonEmpty.describe('the configured connection (customer system pair) that produced it'),
    entity: z.object({ type: z.literal(entity), key: NonEmpty }),
    occurredAt: IsoDateTime.describe('when the source says the change happened'),
    observedAt: IsoDateTime.describe('when ml-connector saw it'),
    correlationId: NonEmpty,
    causationId: z.string().nullable(),
    actor: z.string().nullable().describe('who changed it, where the source says'),
    contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
    data,
  });
}

/**
 * Every event is a full snapshot of one entity's normalized state, never a diff, so applying it
 * twice or replaying it later is harmless.
 */
export const EVENT_SCHEMAS = {
  supplier: envelopeOf('supplier', SupplierData),
  'purchase-order': envelopeOf('purchase-order', PurchaseOrderData),
  invoice: envelopeOf('invoice', InvoiceData),
  'gl-account': envelopeOf('gl-account', GlAccountData),
  'cost-centre': envelopeOf('cost-centre', CostCentreData),
} as const;

export type SupplierEvent = z.infer<typeof EVENT_SCHEMAS.supplier>;
export type PurchaseOrderEvent = z.infer<(typeof EVENT_SCHEMAS)['purchase-order']>;
export type InvoiceEvent = z.infer<typeof EVENT_SCHEMAS.invoice>;
export type GlAccountEvent = z.infer<(typeof EVENT_SCHEMAS)['gl-account']>;
export type CostCentreEvent = z.infer<(typeof EVENT_SCHEMAS)['cost-centre']>;

/** Any canonical event; switch on `type` (the discriminator) to narrow `data`. */
export const CanonicalEvent = z.discriminatedUnion('type', [
  EVENT_SCHEMAS.supplier,
  EVENT_SCHEMAS['purchase-order'],
  EVENT_SCHEMAS.invoice,
  EVENT_SCHEMAS['gl-account'],
  EVENT_SCHEMAS['cost-centre'],
]);
export type CanonicalEvent = z.infer<typeof CanonicalEvent>;
export type EventOf<E extends EntityType> = Extract<CanonicalEvent, { entity: { type: E } }>;
export type DataOf<E extends EntityType> = EventOf<E>['data'];

/** `<source>.<entity plural>.v1`, e.g. `syspro.suppliers.v1`. */
export function topicFor(source: Source, entity: EntityType): string {
  return `${source}.${ENTITIES[entity].plural}.v1`;
}

/** Partition key: all changes of one record stay in order. */
export function partitionKeyFor(event: Pick<CanonicalEvent, 'connection' | 'entity'>): string {
  return `${event.connection}:${event.entity.type}:${event.entity.key}`;
}
