import type { SysproConnection } from '@mlc/config';
import type { EntityType } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import { DEFAULT_ENTITY_SETS, type CursorKind, type DocumentLayout, type SysproMapping } from '@mlc/syspro';

interface StreamBase {
  /** Names the stream's cursor: `<entity>` or `<entity>-lines`. */
  name: string;
  entitySet: string;
  cursor: { column: string; kind: CursorKind };
  /** Columns that with the cursor column make the read order total (keyset paging). */
  keyColumns: string[];
}

/**
 * What the poller reads for each canonical entity: one or two "streams" (an entity set read by its
 * own cursor). A document entity (a purchase order; an invoice when its lines are configured) is
 * its header row plus all its line rows, so a change to either table must republish the whole
 * document: the header set and the line set each have a stream, and both resolve to whole
 * documents before mapping. Every other entity is one stream of plain rows.
 */
export type StreamPlan = (StreamBase & { role: 'rows' }) | (StreamBase & { role: 'headers' | 'lines'; document: DocumentLayout });

export interface EntityPlan {
  entity: EntityType;
  intervalMs: number;
  streams: StreamPlan[];
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

type Cursor = StreamBase['cursor'];

/** A header stream (cursor `<entity>`) and a line stream (cursor `<entity>-lines`), both with the entity's cursor settings. */
function documentStreams(entity: EntityType, cursor: Cursor, document: DocumentLayout): StreamPlan[] {
  return [
    { name: entity, role: 'headers', entitySet: document.headerSet, cursor, keyColumns: document.headerKey, document },
    { name: `${entity}-lines`, role: 'lines', entitySet: document.lineSet, cursor, keyColumns: [...document.lineOwner, document.lineNumber], document },
  ];
}

function purchaseOrderDocument(headerSet: string, mapping: SysproMapping): DocumentLayout {
  const { header, line } = mapping.purchaseOrder;
  return { headerSet, lineSet: DEFAULT_PO_LINE_SET, headerKey: [header.number], lineOwner: [line.purchaseOrder], lineNumber: line.lineNumber };
}

function invoiceDocument(headerSet: string, lineSet: string, mapping: SysproMapping): DocumentLayout {
  const { header, line } = mapping.invoice;
  return { headerSet, lineSet, headerKey: [header.supplier, header.number], lineOwner: [line.supplier, line.invoice], lineNumber: line.lineNumber };
}

/** Resolves the configured poll settings of a connection into plans for the enabled entities. */
export function planEntities(poll: Pick<SysproConnection['poll'], 'intervalSeconds' | 'entities'> & Partial<SysproConnection['poll']>, mapping: SysproMapping): EntityPlan[] {
  const plans: EntityPlan[] = [];
  for (const entity of POLLED_ENTITIES) {
    const settings = poll.entities[entity] ?? { enabled: true };
    if (!settings.enabled) continue;
    const cursor: Cursor = {
      column: settings.cursorColumn ?? DEFAULT_CURSOR.column,
      kind: settings.cursorKind ?? DEFAULT_CURSOR.kind,
    };
    const intervalMs = Math.round((settings.intervalSeconds ?? poll.intervalSeconds) * 1000);
    const rows = (entitySet: string, keyColumns: string[]): StreamPlan[] => [{ name: entity, role: 'rows', entitySet, cursor, keyColumns }];
    switch (entity) {
      case 'supplier':
        plans.push({ entity, intervalMs, streams: rows(settings.entitySet ?? DEFAULT_ENTITY_SETS.supplier, [mapping.supplier.columns.number]) });
        break;
      case 'purchase-order': {
        const headerSet = settings.entitySet ?? DEFAULT_ENTITY_SETS.purchaseOrderHeader;
        plans.push({ entity, intervalMs, streams: documentStreams(entity, cursor, purchaseOrderDocument(headerSet, mapping)) });
        break;
      }
      case 'invoice': {
        const headerSet = settings.entitySet ?? DEFAULT_ENTITY_SETS.invoice;
        const { header, lineEntitySet } = mapping.invoice;
        const streams =
          lineEntitySet === undefined
            ? rows(headerSet, [header.supplier, header.number])
            : documentStreams(entity, cursor, invoiceDocument(headerSet, lineEntitySet, mapping));
        plans.push({ entity, intervalMs, streams });
        break;
      }
      case 'gl-account':
        plans.push({ entity, intervalMs, streams: rows(settings.entitySet ?? DEFAULT_ENTITY_SETS.glAccount, [mapping.glAccount.columns.code]) });
        break;
      case 'cost-centre':
        plans.push({ entity, intervalMs, streams: rows(settings.entitySet ?? DEFAULT_COST_CENTRE_SET, [mapping.costCentre.columns.code]) });
        break;
      default: {
        const never: never = entity;
        throw new MlcError('MLC_INTERNAL', 'unknown entity', { context: { entity: never } });
      }
    }
  }
  return plans;
}
