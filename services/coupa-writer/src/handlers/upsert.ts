import { MlcError, isMlcError } from '@mlc/errors';
import type { CanonicalEvent } from '@mlc/events';
import { decideWrite, targetRefFor, type TargetRecordStore } from '@mlc/writer';

export type WriteStatus = 'created' | 'updated' | 'unchanged' | 'skipped';
export interface WriteResult {
  status: WriteStatus;
  target: { system: 'coupa'; id?: string };
}

interface UpsertSteps<Body> {
  event: CanonicalEvent;
  records: TargetRecordStore;
  /** The Coupa body for this event, or a permanent mapping error. */
  body: () => { ok: true; request: Body } | { ok: false; error: MlcError };
  /** Checks that referenced records exist in Coupa; throws MLC_DEPENDENCY_MISSING otherwise. */
  dependencies?: () => Promise<void>;
  find: () => Promise<{ id: number } | undefined>;
  create: (body: Body) => Promise<{ id: number }>;
  update: (id: number, body: Body) => Promise<{ id: number }>;
}

function isNotFound(error: unknown): boolean {
  return isMlcError(error) && error.code === 'MLC_HTTP_CLIENT_ERROR' && error.context.status === 404;
}

/**
 * The one write path of coupa-writer, for every entity: skip what was already written (same
 * content) or is older than what was written, otherwise update the Coupa record we know (by the
 * id we remembered, else found by natural key) or create it, then remember what we wrote.
 * Re-finding by natural key before a create is what makes a redelivered event after a crash
 * update instead of creating a second record.
 */
export async function upsert<Body>({ event, records, body, dependencies, find, create, update }: UpsertSteps<Body>): Promise<WriteResult> {
  const ref = targetRefFor(event, 'coupa');
  const decision = decideWrite(event, await records.get(ref));
  if (decision.action !== 'write') {
    const id = decision.previous.targetId ?? undefined;
    return { status: decision.action === 'unchanged' ? 'unchanged' : 'skipped', target: { system: 'coupa', ...(id ? { id } : {}) } };
  }
  const mapped = body();
  if (!mapped.ok) {
    throw new MlcError(mapped.error.code, mapped.error.message, { context: { ...mapped.error.context, eventId: event.id, key: event.entity.key } });
  }
  await dependencies?.();

  const knownId = decision.previous?.targetId ? Number(decision.previous.targetId) : undefined;
  let written: { id: number } | undefined;
  let status: WriteStatus = 'updated';
  if (knownId !== undefined) {
    try {
      written = await update(knownId, mapped.request);
    } catch (error) {
      // Deleted in Coupa since we wrote it: fall through to find-or-create.
      if (!isNotFound(error)) throw error;
    }
  }
  if (!written) {
    const existing = await find();
    if (existing) {
      written = await update(existing.id, mapped.request);
    } else {
      written = await create(mapped.request);
      status = 'created';
    }
  }
  await records.remember(ref, { targetId: String(written.id), contentHash: event.contentHash, sourceTime: event.occurredAt, eventId: event.id });
  return { status, target: { system: 'coupa', id: String(written.id) } };
}

export function dependencyMissing(message: string, context: Record<string, unknown>): MlcError {
  return new MlcError('MLC_DEPENDENCY_MISSING', message, { context });
}
