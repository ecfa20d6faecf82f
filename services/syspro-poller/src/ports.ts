import type { CanonicalEvent, EntityType } from '@mlc/events';
import type { MlcError } from '@mlc/errors';
import type { PollCursor, SysproODataClient } from '@mlc/syspro';

/** The read side of SYSPRO the poller needs: pages of an entity set, one request at a time. */
export type SysproReader = Pick<SysproODataClient, 'pages'>;

/**
 * The epoch of a cursor state: hashes of what was published belong to the epoch they were made
 * under, so a cursor that starts over (a new cursor topic, a resync) starts with no known hashes
 * and publishes every record it reads. One epoch per entity, written with each of its streams'
 * cursors. Cursor records written before epochs existed read as `LEGACY_EPOCH`.
 */
export const LEGACY_EPOCH = '';

/** A stream's committed state: its cursor, the entity's epoch, and the resync requests the last reset applied. */
export interface StoredCursor {
  cursor: PollCursor;
  epoch: string;
  /** Ids of the resync requests the reset that started this epoch applied (so a crash before they are marked done does not reset twice). */
  resyncs: readonly string[];
}

/** Where cursors were left: restored once, when the poller becomes active. */
export interface CursorStore {
  /** Stream name → state of the last committed page. */
  load(): Promise<ReadonlyMap<string, StoredCursor>>;
}

/** A row the mapping could not turn into a canonical record; never blocks its entity. */
export interface RejectedRow {
  entity: EntityType;
  /** The record's key where the row had one. */
  key: string | undefined;
  error: MlcError;
}

/** One page's output: what Kafka must acknowledge before the cursor may move to `cursor`. */
export interface PageCommit {
  entity: EntityType;
  stream: string;
  events: readonly CanonicalEvent[];
  rejected: readonly RejectedRow[];
  cursor: PollCursor;
  /** The entity's epoch and the resyncs that started it, written with the cursor. */
  epoch: string;
  resyncs: readonly string[];
}

/** A resync applied to an entity: every stream's cursor moved back, in a new epoch. */
export interface CursorReset {
  entity: EntityType;
  epoch: string;
  resyncs: readonly string[];
  cursors: readonly { stream: string; cursor: PollCursor }[];
}

export interface PagePublisher {
  /** Publishes the events, the rejects and the new cursor atomically; resolves once Kafka committed all. */
  commit(page: PageCommit): Promise<void>;
  /** Writes the cursors of every stream of the entity in one transaction. */
  reset(reset: CursorReset): Promise<void>;
}

/** Content hashes of what was last published per record and epoch, to skip unchanged rows. */
export interface HashStore {
  lastHashes(entity: EntityType, epoch: string, keys: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Called after the Kafka commit: losing this write only causes a harmless identical republish. */
  remember(entity: EntityType, epoch: string, entries: readonly { key: string; contentHash: string }[]): Promise<void>;
  /** Drops the hashes of an epoch no cursor refers to any more (after a reset). */
  forget(entity: EntityType, epoch: string): Promise<void>;
}

/** An operator's request to read an entity again (`requestResync`), not yet applied to it. */
export interface PendingResync {
  id: string;
  /** From the start when null. */
  since: Date | null;
}

/** Resync requests of this poller's connection. */
export interface ResyncQueue {
  pending(entity: EntityType): Promise<readonly PendingResync[]>;
  /** Marks the requests applied to the entity (idempotent). */
  applied(entity: EntityType, ids: readonly string[], epoch: string): Promise<void>;
}

export interface PollerMetrics {
  pollFinished(entity: EntityType, status: 'ok' | 'failed' | 'stopped', seconds: number): void;
  pollFailed(entity: EntityType, code: string): void;
  rowsRead(entity: EntityType, stream: string, count: number): void;
  published(entity: EntityType, count: number): void;
  unchanged(entity: EntityType, count: number): void;
  rejected(entity: EntityType, code: string): void;
  /** Rows read with a change date past now + the allowed skew (counted each time they are read). */
  futureRows(entity: EntityType, stream: string, count: number): void;
  lastSuccess(entity: EntityType, at: Date): void;
}

export const NOOP_METRICS: PollerMetrics = {
  pollFinished() {},
  pollFailed() {},
  rowsRead() {},
  published() {},
  unchanged() {},
  rejected() {},
  futureRows() {},
  lastSuccess() {},
};
