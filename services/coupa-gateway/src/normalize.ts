import { toCanonicalInvoice, toCanonicalPurchaseOrder, toCanonicalSupplier, type CoupaMapping, type CoupaSourceRecord } from '@mlc/coupa';
import { MlcError } from '@mlc/errors';
import { buildEvent, type CanonicalEvent, type DataOf, type EntityType } from '@mlc/events';

/** Coupa call-out event types (tools/sandbox/docs/coupa.md) → the canonical entity they carry. */
export const COUPA_EVENT_ENTITIES = {
  'supplier.created': 'supplier',
  'supplier.updated': 'supplier',
  'purchase_order.issued': 'purchase-order',
  'invoice.created': 'invoice',
} as const satisfies Record<string, EntityType>;
export type CoupaEventType = keyof typeof COUPA_EVENT_ENTITIES;
export type GatewayEntity = (typeof COUPA_EVENT_ENTITIES)[CoupaEventType];

export function isCoupaEventType(value: string | undefined): value is CoupaEventType {
  return value !== undefined && Object.hasOwn(COUPA_EVENT_ENTITIES, value);
}

export interface NormalizeParams {
  connection: string;
  eventType: CoupaEventType;
  coupaEventId: string;
  /** The parsed call-out body: the record as Coupa's REST API returns it. */
  record: unknown;
  mapping: CoupaMapping;
  observedAt: Date;
  /** Coupa order-line id → PO line number, for invoices (see `toCanonicalInvoice`). */
  orderLineNumbers?: ReadonlyMap<number, number>;
}

export type Normalized = { ok: true; entity: GatewayEntity; event: CanonicalEvent } | { ok: false; error: MlcError };

type Mapped<E extends GatewayEntity> = CoupaSourceRecord<DataOf<E>>;

function toEvent<E extends GatewayEntity>(entity: E, mapped: Mapped<E>, params: NormalizeParams): CanonicalEvent {
  return buildEvent<E>({
    source: 'coupa',
    connection: params.connection,
    entity,
    key: mapped.key,
    data: mapped.data,
    occurredAt: mapped.occurredAt,
    observedAt: params.observedAt,
    correlationId: params.coupaEventId,
    actor: mapped.actor ?? null,
  });
}

function mapAndBuild(entity: GatewayEntity, params: NormalizeParams): CanonicalEvent | MlcError {
  const { record, mapping } = params;
  switch (entity) {
    case 'supplier': {
      const mapped = toCanonicalSupplier(record, mapping);
      return mapped.ok ? toEvent(entity, mapped.value, params) : mapped.error;
    }
    case 'purchase-order': {
      const mapped = toCanonicalPurchaseOrder(record, mapping);
      return mapped.ok ? toEvent(entity, mapped.value, params) : mapped.error;
    }
    case 'invoice': {
      const mapped = toCanonicalInvoice(record, mapping, params.orderLineNumbers ? { orderLineNumbers: params.orderLineNumbers } : {});
      return mapped.ok ? toEvent(entity, mapped.value, params) : mapped.error;
    }
    default: {
      const unknown: never = entity;
      return unknown;
    }
  }
}

/**
 * A call-out → its canonical event (pure). The Coupa event id becomes the correlation id, so the
 * trail from Coupa's delivery log to every writer outcome is one id.
 */
export function normalize(params: NormalizeParams): Normalized {
  const { connection, eventType, coupaEventId } = params;
  const entity = COUPA_EVENT_ENTITIES[eventType];
  let result: CanonicalEvent | MlcError;
  try {
    result = mapAndBuild(entity, params);
  } catch (error) {
    // buildEvent throws MLC_EVENT_INVALID; anything else is a bug and stays a throw.
    if (!(error instanceof MlcError)) throw error;
    result = error;
  }
  if (result instanceof MlcError) {
    return { ok: false, error: new MlcError(result.code, result.message, { cause: result.cause, context: { ...result.context, connection, coupaEventId, eventType } }) };
  }
  return { ok: true, entity, event: result };
}
