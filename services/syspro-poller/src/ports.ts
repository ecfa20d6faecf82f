import type { CanonicalEvent, EntityType } from '@mlc/events';
import type { MlcError } from '@mlc/errors';
import type { PollCursor, SysproODataClient } from '@mlc/syspro';

/** The read side of SYSPRO the poller needs: pages of an entity set, one request at a time. */
export type SysproReader = Pick<SysproODataClient, 'pages'>;

/** Where cursors were left: restored once, when the poller becomes active. */
export interface CursorStore {
  /** Stream name → cursor of the last committed page. */
  load(): Promise<ReadonlyMap<string, PollCursor>>;
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
}

export interface PagePublisher {
  /** Publishes the events, the rejects and the new cursor atomically; resolves once Kafka committed all. */
  commit(page: PageCommit): Promise<void>;
}

/** Content hashes of what was last published per record, to skip unchanged rows. */
export interface HashStore {
  lastHashes(entity: EntityType, keys: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Called after the Kafka commit: losing this write only causes a harmless identical republish. */
  remember(entity: EntityType, entries: readonly { key: string; contentHash: string }[]): Promise<void>;
}

export interface PollerMetrics {
  pollFinished(entity: EntityType, status: 'ok' | 'failed' | 'stopped', seconds: number): void;
  pollFailed(entity: EntityType, code: string): void;
  rowsRead(entity: EntityType, stream: string, count: number): void;
  published(entity: EntityType, count: number): void;
  unchanged(entity: EntityType, count: number): void;
  rejected(entity: EntityType, code: string): void;
  lastSuccess(entity: EntityType, at: Date): void;
}

export const NOOP_METRICS: PollerMetrics = {
  pollFinished() {},
  pollFailed() {},
  rowsRead() {},
  published() {},
  unchanged() {},
  rejected() {},
  lastSuccess() {},
};
