import { z } from 'zod';
import { EntityTypeSchema, type EntityType } from '@mlc/events';
import { MlcError, toMlcError } from '@mlc/errors';
import { cursorFromJSON, cursorToJSON, initialCursor, type CursorKind, type PollCursor } from '@mlc/syspro';
import type { Queryable } from '@mlc/db';
import type { PendingResync, ResyncQueue } from './ports.js';

export interface ResyncRequest {
  /** The connection whose poller re-reads. */
  connection: string;
  /** One entity; every entity the poller polls when absent. */
  entity?: EntityType | undefined;
  /**
   * Re-read rows changed since then (datetime cursors); absent: from the start. Rowversion and
   * number cursors have no time, so they re-read from the start either way.
   */
  since?: Date | undefined;
  /** Who asked (recorded). */
  requestedBy?: string | undefined;
  reason?: string | undefined;
}

const Request = z.object({
  connection: z.string().trim().min(1, 'required'),
  entity: EntityTypeSchema.optional(),
  since: z
    .date()
    .refine((d) => !Number.isNaN(d.getTime()), 'not a valid time')
    .optional(),
  requestedBy: z.string().optional(),
  reason: z.string().optional(),
});

/** Checks a resync request (pure); MLC_CONFIG_INVALID naming every bad field at once. */
export function checkResyncRequest(request: ResyncRequest, now: Date = new Date()): ResyncRequest {
  const parsed = Request.safeParse(request);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  if (parsed.success && parsed.data.since !== undefined && parsed.data.since.getTime() > now.getTime()) {
    issues.push({ field: 'since', message: 'is in the future' });
  }
  if (!parsed.success || issues.length > 0) {
    throw new MlcError('MLC_CONFIG_INVALID', `invalid resync request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { context: { issues } });
  }
  return parsed.data;
}

/**
 * Asks the running poller of `connection` to read `entity` (or every entity) again from the start,
 * or from `since`: its leader applies the request at the entity's next poll tick (a new epoch, the
 * cursor moved back, in one cursor transaction) and republishes every record it reads once. `db`
 * is a pool on the poller's database and schema (the tables come with its migrations). Returns
 * the request id; `listResyncRequests` shows where it was applied.
 */
export async function requestResync(db: Queryable, request: ResyncRequest, { keep = KEPT_RESYNC_REQUESTS }: { keep?: number } = {}): Promise<{ id: string }> {
  const { connection, entity, since, requestedBy, reason } = checkResyncRequest(request);
  try {
    const { rows } = await db.query<{ id: string }>(
      `insert into syspro_poller_resync_requests (connection, entity, since, requested_by, reason)
       values ($1, $2, $3, $4, $5) returning id::text as id`,
      [connection, entity ?? null, since ?? null, requestedBy ?? null, reason ?? null],
    );
    // The table stays bounded: beyond the connection's newest `keep` requests, those the poller has
    // applied go (with their applied rows). One not applied yet stays until it is.
    await db.query(
      `delete from syspro_poller_resync_requests r
        where r.connection = $1
          and r.id <= (select id from syspro_poller_resync_requests where connection = $1 order by id desc offset $2 limit 1)
          and exists (select 1 from syspro_poller_resync_applied a where a.request_id = r.id)`,
      [connection, keep],
    );
    return { id: rows[0]!.id };
  } catch (error) {
    throw toMlcError(error, { call: 'requestResync', connection });
  }
}

/** How many of a connection's resync requests are kept (newest first) once applied. */
export const KEPT_RESYNC_REQUESTS = 100;

export interface ResyncStatus {
  id: string;
  connection: string;
  entity: EntityType | null;
  since: Date | null;
  requestedBy: string | null;
  reason: string | null;
  requestedAt: Date;
  /** Entities the poller has reset for this request, with the epoch each started. */
  applied: { entity: EntityType; epoch: string; appliedAt: Date }[];
}

/** A connection's resync requests, newest first. */
export async function listResyncRequests(db: Queryable, { connection, limit = 50 }: { connection: string; limit?: number }): Promise<ResyncStatus[]> {
  try {
    const { rows } = await db.query<{
      id: string;
      connection: string;
      entity: EntityType | null;
      since: Date | null;
      requested_by: string | null;
      reason: string | null;
      requested_at: Date;
      applied: { entity: EntityType; epoch: string; applied_at: string }[];
    }>(
      `select r.id::text as id, r.connection, r.entity, r.since, r.requested_by, r.reason, r.requested_at,
              coalesce((select json_agg(json_build_object('entity', a.entity, 'epoch', a.epoch, 'applied_at', a.applied_at) order by a.applied_at)
                          from syspro_poller_resync_applied a where a.request_id = r.id), '[]'::json) as applied
         from syspro_poller_resync_requests r
        where r.connection = $1
        order by r.id desc
        limit $2`,
      [connection, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      connection: r.connection,
      entity: r.entity,
      since: r.since,
      requestedBy: r.requested_by,
      reason: r.reason,
      requestedAt: r.requested_at,
      applied: r.applied.map((a) => ({ entity: a.entity, epoch: a.epoch, appliedAt: new Date(a.applied_at) })),
    }));
  } catch (error) {
    throw toMlcError(error, { call: 'listResyncRequests', connection });
  }
}

/** The poller's side: requests of its connection not yet applied to an entity, and marking them applied. */
export function createPgResyncQueue({ db, connection }: { db: Queryable; connection: string }): ResyncQueue {
  return {
    async pending(entity): Promise<PendingResync[]> {
      try {
        const { rows } = await db.query<{ id: string; since: Date | null }>(
          `select r.id::text as id, r.since from syspro_poller_resync_requests r
            where r.connection = $1 and (r.entity is null or r.entity = $2)
              and not exists (select 1 from syspro_poller_resync_applied a where a.request_id = r.id and a.entity = $2)
            order by r.id`,
          [connection, entity],
        );
        return rows;
      } catch (error) {
        throw toMlcError(error, { call: 'pending resyncs', connection, entity });
      }
    },
    async applied(entity, ids, epoch) {
      if (ids.length === 0) return;
      try {
        await db.query(
          `insert into syspro_poller_resync_applied (request_id, entity, epoch)
           select id, $2, $3 from unnest($1::bigint[]) as t(id)
           on conflict (request_id, entity) do nothing`,
          [ids, entity, epoch],
        );
      } catch (error) {
        throw toMlcError(error, { call: 'mark resyncs applied', connection, entity });
      }
    },
  };
}

/** Of several pending requests: one from the start wins over any from a time; otherwise the earliest time. */
export function earliestResync(requests: readonly PendingResync[]): Date | null {
  let since: Date | null = null;
  for (const r of requests) {
    if (r.since === null) return null;
    if (since === null || r.since.getTime() < since.getTime()) since = r.since;
  }
  return since;
}

/**
 * Where a resync moves a stream (pure): the start; for a datetime cursor with `since`, that time
 * when it is behind the stream's position, else the position itself (never forward: the rows in
 * between would be skipped). Rowversion and number cursors have no time: from the start.
 */
export function resyncCursor({ configured, current, since }: { configured: { column: string; kind: CursorKind }; current: PollCursor | undefined; since: Date | null }): PollCursor {
  const fresh = initialCursor(configured);
  if (since === null || fresh.kind !== 'datetime' || current === undefined || current.value === null || current.column !== fresh.column || current.kind !== fresh.kind) return fresh;
  const at = datetimeMs(current.value);
  // A position we cannot place in time: from the start, never a gap.
  if (Number.isNaN(at)) return fresh;
  if (at <= since.getTime()) return current;
  return cursorFromJSON({ ...cursorToJSON(fresh), value: since.toISOString() });
}

/** A datetime cursor value in ms; SYSPRO's zone-less datetimes are taken as UTC, as the cursor queries write them by default. */
function datetimeMs(value: string): number {
  return Date.parse(/(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`);
}
