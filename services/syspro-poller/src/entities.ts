import type { SysproConnection } from '@mlc/config';
import type { EntityType } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import { DEFAULT_ENTITY_SETS, type CursorKind, type SysproMapping } from '@mlc/syspro';

/**
 * What the poller reads for each canonical entity: one or two "streams" (an entity set read by its
 * own cursor). A purchase order is its header row plus all its line rows, so a change to either
 * table must republish the whole order: PorMasterHdr and PorMasterDetail each have a stream, and
 * both resolve to whole orders before mapping.
 */
export type StreamRole = 'rows' | 'po-headers' | 'po-lines';

export interface StreamPlan {
  /** Names the stream's cursor: `<entity>` or `<entity>-lines`. */
  name: string;
  role: StreamRole;
  entitySet: string;
  cursor: { column: string; kind: CursorKind };
  /** Columns that with the cursor column make the read order total (keyset paging). */
  keyColumns: string[];
}

export interface EntityPlan {
  entity: EntityType;
  intervalMs: number;
  streams: StreamPlan[];
  /** PO streams: the entity sets holding headers and lines, for re-reading whole orders. */
  headerSet?: string;
  lineSet?: string;
}

export const POLLED_ENTITIES = ['supplier', 'purchase-order', 'invoice', 'gl-account', 'cost-centre'] as const satisfies readonly EntityType[];

/**
 * Defaults follow what the SYSPRO simulator serves and the tables vendors.md names: every table
 * carries a SQL rowversion `TimeStamp`, assumed exposed as Edm.Int64 (hence cursor kind `number`).
 * A service exposing it as Edm.Binary sets `cursorKind: "rowversion"`; a datetime column works
 * with `cursorKind: "datetime"` and the overlap window.
 */
const DEFAULT_CURSOR = { column: 'TimeStamp', kind: 'number' as CursorKind };
// Cost centres are not a SYSPRO table; the simulator's stand-in for a Business Activity Query.
const DEFAULT_COST_CENTRE_SET = 'GenCostCentre';
const DEFAULT_PO_LINE_SET = DEFAULT_ENTITY_SETS.purchaseOrderDetail;

/** Resolves the configured poll settings of a connection into plans for the enabled entities. */
export function planEntities(poll: SysproConnection['poll'], mapping: SysproMapping): EntityPlan[] {
  const plans: EntityPlan[] = [];
  for (const entity of POLLED_ENTITIES) {
    const settings = poll.entities[entity] ?? { enabled: true };
    if (!settings.enabled) continue;
    const cursor = {
      column: settings.cursorColumn ?? DEFAULT_CURSOR.column,
      kind: settings.cursorKind ?? DEFAULT_CURSOR.kind,
    };
    const intervalMs = Math.round((settings.intervalSeconds ?? poll.intervalSeconds) * 1000);
    const stream = (role: StreamRole, name: string, entitySet: string, keyColumns: string[]): StreamPlan => ({
      name,
      role,
      entitySet,
      cursor,
      keyColumns,
    });
    switch (entity) {
      case 'supplier':
        plans.push({
          entity,
          intervalMs,
          streams: [stream('rows', entity, settings.entitySet ?? DEFAULT_ENTITY_SETS.supplier, [mapping.supplier.columns.number])],
        });
        break;
      case 'purchase-order': {
        const headerSet = settings.entitySet ?? DEFAULT_ENTITY_SETS.purchaseOrderHeader;
        const { header, line } = mapping.purchaseOrder;
        plans.push({
          entity,
          intervalMs,
          headerSet,
          lineSet: DEFAULT_PO_LINE_SET,
          streams: [
            stream('po-headers', entity, headerSet, [header.number]),
            stream('po-lines', `${entity}-lines`, DEFAULT_PO_LINE_SET, [line.purchaseOrder, line.lineNumber]),
          ],
        });
        break;
      }
      case 'invoice': {
        const { header } = mapping.invoice;
        plans.push({
          entity,
          intervalMs,
          streams: [stream('rows', entity, settings.entitySet ?? DEFAULT_ENTITY_SETS.invoice, [header.supplier, header.number])],
        });
        break;
      }
      case 'gl-account':
        plans.push({
          entity,
          intervalMs,
          streams: [stream('rows', entity, settings.entitySet ?? DEFAULT_ENTITY_SETS.glAccount, [mapping.glAccount.columns.code])],
        });
        break;
      case 'cost-centre':
        plans.push({
          entity,
          intervalMs,
          streams: [stream('rows', entity, settings.entitySet ?? DEFAULT_COST_CENTRE_SET, [mapping.costCentre.columns.code])],
        });
        break;
      default: {
        const never: never = entity;
        throw new MlcError('MLC_INTERNAL', 'unknown entity', { context: { entity: never } });
      }
    }
  }
  return plans;
}
