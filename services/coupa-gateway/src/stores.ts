import { MlcError, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';

/** The part of pg's Pool the stores use. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface Delivery {
  connection: string;
  coupaEventId: string;
  eventType: string;
  outcome: 'published' | 'echo';
  entityKey: string;
  eventId: string;
  contentHash: string;
}

/** Coupa event ids already handled, durable across restarts and shared by replicas. */
export interface DeliveryLog {
  find(connection: string, coupaEventId: string): Promise<Pick<Delivery, 'outcome' | 'eventId'> | undefined>;
  /** Idempotent: recording an id twice keeps the first. */
  record(delivery: Delivery): Promise<void>;
}

export interface Rejection {
  connection: string;
  coupaEventId: string | undefined;
  eventType: string | undefined;
  status: number;
  code: string;
  reason: string;
  body: Buffer | undefined;
}

export interface RejectionLog {
  record(rejection: Rejection): Promise<void>;
}

// Enough to see what was wrong with a payload without storing a whole (maybe huge) document.
const EXCERPT_BYTES = 2048;

function dbError(error: unknown, context: Record<string, unknown>): MlcError {
  const wrapped = toMlcError(error, context);
  // Whatever pg throws here is infrastructure, not the call-out's fault: Coupa should retry.
  return wrapped.code === 'MLC_INTERNAL' ? new MlcError('MLC_DB_UNAVAILABLE', wrapped.message, { cause: error, context: wrapped.context }) : wrapped;
}

export function createDeliveryLog({ db }: { db: Queryable }): DeliveryLog {
  return {
    async find(connection, coupaEventId) {
      try {
        const { rows } = await db.query<{ outcome: Delivery['outcome']; event_id: string }>(
          'select outcome, event_id from coupa_gateway_deliveries where connection = $1 and coupa_event_id = $2',
          [connection, coupaEventId],
        );
        const row = rows[0];
        return row ? { outcome: row.outcome, eventId: row.event_id } : undefined;
      } catch (error) {
        throw dbError(error, { operation: 'find delivery', connection, coupaEventId });
      }
    },
    async record(d) {
      try {
        await db.query(
          `insert into coupa_gateway_deliveries (connection, coupa_event_id, event_type, outcome, entity_key, event_id, content_hash)
           values ($1, $2, $3, $4, $5, $6, $7) on conflict (connection, coupa_event_id) do nothing`,
          [d.connection, d.coupaEventId, d.eventType, d.outcome, d.entityKey, d.eventId, d.contentHash],
        );
      } catch (error) {
        throw dbError(error, { operation: 'record delivery', connection: d.connection, coupaEventId: d.coupaEventId });
      }
    },
  };
}

export function createRejectionLog({ db }: { db: Queryable }): RejectionLog {
  return {
    async record(r) {
      const excerpt = r.body === undefined ? null : r.body.subarray(0, EXCERPT_BYTES).toString('utf8').replaceAll('\u0000', '');
      try {
        await db.query(
          `insert into coupa_gateway_rejections (connection, coupa_event_id, event_type, status, code, reason, body_excerpt)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [r.connection, r.coupaEventId ?? null, r.eventType ?? null, r.status, r.code, r.reason, excerpt],
        );
      } catch (error) {
        throw dbError(error, { operation: 'record rejection', connection: r.connection, coupaEventId: r.coupaEventId });
      }
    },
  };
}

export interface ExpiryParams {
  db: Queryable;
  logger: Logger;
  /** How long a handled Coupa event id is remembered; must outlast Coupa's retries and redeliveries. */
  deliveryRetentionMs: number;
  rejectionRetentionMs: number;
  intervalMs: number;
  /** Rows deleted per statement, so a big backlog never holds long locks. */
  batchSize?: number;
}

/**
 * Periodic cleanup of expired delivery ids and old rejections. Safe on every replica at once:
 * each batch deletes what it finds; concurrent ones just find less.
 */
export function createExpiry({ db, logger, deliveryRetentionMs, rejectionRetentionMs, intervalMs, batchSize = 5000 }: ExpiryParams) {
  const log = logger.child({ component: 'expiry' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function purge(table: string, retentionMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await db.query(
        `delete from ${table} where ctid in (select ctid from ${table} where received_at < now() - $1::interval limit $2)`,
        [`${retentionMs} milliseconds`, batchSize],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) return total;
    }
  }

  async function runOnce(): Promise<{ deliveries: number; rejections: number }> {
    const deliveries = await purge('coupa_gateway_deliveries', deliveryRetentionMs);
    const rejections = await purge('coupa_gateway_rejections', rejectionRetentionMs);
    if (deliveries + rejections > 0) log.info({ deliveries, rejections }, 'expired old rows');
    return { deliveries, rejections };
  }

  return {
    runOnce,
    start() {
      timer ??= setInterval(() => {
        running = runOnce().catch((err: unknown) => log.warn({ err }, 'expiry failed; will retry'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
