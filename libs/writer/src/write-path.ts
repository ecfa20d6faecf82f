import { MlcError, isMlcError } from '@mlc/errors';
import type { CanonicalEvent, MapResult } from '@mlc/events';
import type { HandlerResult } from '@mlc/kafka';
import { decideWrite, targetRefFor, type RememberedWrite, type TargetRecord, type TargetRecordStore, type TargetRef } from './target-records.js';

/** What a writer's handler answers for one event: a HandlerResult that always names the target system. */
export interface WriteResult extends HandlerResult {
  target: { system: string; id?: string };
}

/** Either the event still needs writing (with what was written before), or the handler's answer already. */
export type WriteDecided = { write: true; previous: TargetRecord | undefined } | { write: false; result: WriteResult };

/** The vendor-specific pieces of an upsert by natural key. Ids are strings, as remembered. */
/** The part of the handler context's `replay` the write path reads: whether to write the same content again. */
export interface ForceOption {
  force: boolean;
}

export interface UpsertSteps<Body> {
  event: CanonicalEvent;
  /** The handler context's `replay`: a forced replay writes even when the content equals what was last written. */
  replay?: ForceOption | undefined;
  /** Default: the event's own record in this target system. */
  ref?: TargetRef;
  /** What was last written for `ref`, when the caller read it already while handling this event (saves a second read). */
  previous?: { record: TargetRecord | undefined };
  /** The target's request body for this event, or why it cannot be mapped (permanent). */
  body: () => MapResult<Body>;
  /** Checks that referenced records exist in the target; throws MLC_DEPENDENCY_MISSING otherwise. */
  dependencies?: () => Promise<void>;
  /** The record in the target by natural key, for an event we have no (valid) id for. */
  find: (body: Body) => Promise<{ id: string | number } | undefined>;
  create: (body: Body) => Promise<{ id: string | number }>;
  update: (id: string, body: Body) => Promise<{ id: string | number }>;
  /**
   * Whether the id remembered from the last write is updated directly, without a `find` first;
   * a 404 (deleted in the target since) falls through to find-or-create. Default true. False for
   * targets whose id is the natural key itself: `find` is then the only way to know it is there.
   */
  updateRememberedId?: boolean;
  /**
   * Records the write; default: the target record alone (`records.remember`). The supplier
   * admission's `remember` writes it with the sync state, in one statement.
   */
  remember?: (ref: TargetRef, written: RememberedWrite) => Promise<void>;
}

export interface WritePath {
  /**
   * Reads what was last written for `ref` and decides: the same content again is unchanged (unless
   * `replay.force`), an older snapshot with other content skipped (even when forced).
   */
  decide(event: CanonicalEvent, ref: TargetRef, replay?: ForceOption, previous?: { record: TargetRecord | undefined }): Promise<WriteDecided>;
  /** Records what was written for `ref`, so a redelivery of `event` changes nothing. */
  remember(ref: TargetRef, event: CanonicalEvent, targetId: string): Promise<void>;
  result(status: WriteResult['status'], id?: string | null): WriteResult;
  /**
   * decide → map → dependencies → update the record we know (by the id we remembered, else found
   * by natural key) or create it → remember. Re-finding by natural key before a create is what
   * makes a redelivered event after a crash update instead of creating a second record.
   */
  upsert<Body>(steps: UpsertSteps<Body>): Promise<WriteResult>;
}

/** A mapper's value, or its MLC_MAPPING_FAILED thrown with the event id and key added, so the DLQ record says which event. */
export function unwrapMapped<T>(mapped: MapResult<T>, event: Pick<CanonicalEvent, 'id' | 'entity'>): T {
  if (mapped.ok) return mapped.value;
  throw new MlcError(mapped.error.code, mapped.error.message, { cause: mapped.error.cause, context: { ...mapped.error.context, eventId: event.id, key: event.entity.key } });
}

function isNotFound(error: unknown): boolean {
  return isMlcError(error) && error.code === 'MLC_HTTP_CLIENT_ERROR' && error.context.status === 404;
}

/** The write path every writer shares for one target system; a handler supplies only what is vendor-specific. */
export function createWritePath({ system, records }: { system: string; records: TargetRecordStore }): WritePath {
  const result = (status: WriteResult['status'], id?: string | null): WriteResult => ({ status, target: id ? { system, id } : { system } });

  async function decide(event: CanonicalEvent, ref: TargetRef, replay?: ForceOption, previous?: { record: TargetRecord | undefined }): Promise<WriteDecided> {
    const decision = decideWrite(event, previous ? previous.record : await records.get(ref), { force: replay?.force === true });
    if (decision.action === 'write') return { write: true, previous: decision.previous };
    return { write: false, result: result(decision.action === 'unchanged' ? 'unchanged' : 'skipped', decision.previous.targetId) };
  }

  const writtenOf = (event: CanonicalEvent, targetId: string): RememberedWrite => ({ targetId, contentHash: event.contentHash, sourceTime: event.occurredAt, eventId: event.id });
  const remember = (ref: TargetRef, event: CanonicalEvent, targetId: string) => records.remember(ref, writtenOf(event, targetId));

  async function upsert<Body>({ event, ref = targetRefFor(event, system), previous, replay, body, dependencies, find, create, update, updateRememberedId = true, remember: record = records.remember }: UpsertSteps<Body>): Promise<WriteResult> {
    // A forced write takes the same path as any other: the remembered id or the natural-key find
    // first, so it updates the record in place and never creates a second one.
    const decided = await decide(event, ref, replay, previous);
    if (!decided.write) return decided.result;
    const request = unwrapMapped(body(), event);
    await dependencies?.();

    const knownId = updateRememberedId ? decided.previous?.targetId : undefined;
    let written: { id: string | number } | undefined;
    let status: WriteResult['status'] = 'updated';
    if (knownId) {
      try {
        written = await update(knownId, request);
      } catch (error) {
        // Deleted in the target since we wrote it: fall through to find-or-create.
        if (!isNotFound(error)) throw error;
      }
    }
    if (!written) {
      const existing = await find(request);
      if (existing) {
        written = await update(String(existing.id), request);
      } else {
        written = await create(request);
        status = 'created';
      }
    }
    const id = String(written.id);
    await record(ref, writtenOf(event, id));
    return result(status, id);
  }

  return { decide, remember, result, upsert };
}
