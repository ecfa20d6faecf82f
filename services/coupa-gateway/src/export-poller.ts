import { MlcError, toMlcError } from '@mlc/errors';
import type { CoupaExportApi, CoupaExportResource } from '@mlc/coupa';
import type { CanonicalEvent } from '@mlc/events';
import type { Logger } from '@mlc/log';
import type { GatewayConnection } from './app.js';
import { orderLinesOf, resolveOrderLineNumbers, type FetchOrderLines, type OrderLineIndex } from './order-lines.js';
import { normalize, type CoupaEventType, type GatewayEntity } from './normalize.js';
import type { RejectionLog } from './stores.js';

export type ExportResource = CoupaExportResource;
/** Coupa's "not yet exported" pattern: list with `exported=false`, then flag each record `exported=true`. */
export type CoupaExportSource = CoupaExportApi;

/** What is polled: the same records, and so the same events, the call-outs deliver. */
export const EXPORT_TARGETS: readonly { resource: ExportResource; status: string; eventType: CoupaEventType }[] = [
  { resource: 'purchase_orders', status: 'issued', eventType: 'purchase_order.issued' },
  { resource: 'invoices', status: 'approved', eventType: 'invoice.created' },
];

export interface ExportPollerParams {
  connection: Pick<GatewayConnection, 'id' | 'mapping'>;
  source: CoupaExportSource;
  publish: (topic: string, event: CanonicalEvent) => Promise<void>;
  topicOf: (entity: GatewayEntity) => string;
  rejections: RejectionLog;
  logger: Logger;
  orderLines?: { index: OrderLineIndex; fetchOrderLines?: FetchOrderLines | undefined };
  clock?: () => Date;
  pageSize?: number;
}

const idOf = (record: unknown) => (typeof record === 'object' && record !== null && typeof (record as { id?: unknown }).id === 'number' ? (record as { id: number }).id : undefined);
const updatedAtOf = (record: unknown) => String((record as { 'updated-at'?: unknown } | null)?.['updated-at'] ?? '');

/**
 * Polls Coupa for approved POs and invoices not yet exported, for customers that register no
 * call-outs, and publishes the same canonical events the gateway does. A record is flagged
 * exported only after Kafka acknowledged its event, so a crash in between publishes it again on
 * the next poll (same deterministic event id: consumers absorb it). Unmappable records are
 * recorded for audit once per process and skipped, never flagged, so fixing them in Coupa (or
 * the mapping) lets the next poll pick them up.
 */
export function createExportPoller(params: ExportPollerParams) {
  const { connection, source, publish, topicOf, rejections, orderLines, clock = () => new Date(), pageSize = 50 } = params;
  const log = params.logger.child({ component: 'export-poller', connection: connection.id });
  const reported = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function pollTarget({ resource, status, eventType }: (typeof EXPORT_TARGETS)[number]): Promise<{ published: number; skipped: number }> {
    let published = 0;
    let skipped = 0;
    for (;;) {
      // Flagged records leave the filter, so the next page starts after the ones we skip.
      const page = await source.listNotExported(resource, status, skipped, pageSize);
      if (page.length === 0) return { published, skipped };
      for (const record of page) {
        const id = idOf(record);
        const pollId = `poll:${resource}:${id ?? '?'}:${updatedAtOf(record)}`;
        const orderLineNumbers =
          orderLines && resource === 'invoices' ? await resolveOrderLineNumbers({ connection: connection.id, invoice: record, ...orderLines }) : undefined;
        const normalized = normalize({
          connection: connection.id,
          eventType,
          coupaEventId: pollId,
          record,
          mapping: connection.mapping,
          observedAt: clock(),
          ...(orderLineNumbers ? { orderLineNumbers } : {}),
        });
        // Left unexported, and recorded once per process, as a call-out refused for it would be.
        const skip = async (status: number, code: string, reason: string, message: string) => {
          skipped += 1;
          if (reported.has(pollId)) return;
          reported.add(pollId);
          log.warn({ pollId, code }, message);
          await rejections.record({ connection: connection.id, coupaEventId: pollId, eventType, status, code, reason, body: Buffer.from(JSON.stringify(record)) });
        };
        if (!normalized.ok || id === undefined) {
          const error = normalized.ok ? undefined : normalized.error;
          await skip(422, error?.code ?? 'MLC_MAPPING_FAILED', error?.message ?? 'record without an id', 'polled record cannot be mapped; left unexported');
          continue;
        }
        const { entity, event } = normalized;
        if (entity === 'purchase-order' && orderLines) await orderLines.index.remember(connection.id, event.entity.key, orderLinesOf(record));
        try {
          await publish(topicOf(entity), event);
        } catch (error) {
          // Refused before it was queued (over MLC_MAX_RECORD_BYTES): no later poll could send it either.
          if (!(error instanceof MlcError && error.code === 'MLC_PAYLOAD_TOO_LARGE')) throw error;
          await skip(413, 'event-too-large', error.message, 'polled record makes an event over the record limit; left unexported');
          continue;
        }
        await source.markExported(resource, id);
        published += 1;
      }
    }
  }

  async function runOnce(): Promise<Record<ExportResource, { published: number; skipped: number }>> {
    const result = {} as Record<ExportResource, { published: number; skipped: number }>;
    for (const target of EXPORT_TARGETS) result[target.resource] = await pollTarget(target);
    log.debug({ result }, 'poll done');
    return result;
  }

  return {
    runOnce,
    /** Polls every `intervalMs`; a poll never overlaps the previous one. */
    start(intervalMs: number) {
      const tick = () => {
        running = runOnce()
          .catch((error: unknown) => log.warn({ err: toMlcError(error, { connection: connection.id }) }, 'poll failed; next interval retries'))
          .finally(() => {
            if (timer !== undefined) timer = setTimeout(tick, intervalMs);
          });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      const t = timer;
      timer = undefined;
      clearTimeout(t);
      await running;
    },
  };
}
export type ExportPoller = ReturnType<typeof createExportPoller>;
