import type { MlcError } from '@mlc/errors';
import type { SupplierEvent } from '@mlc/events';
import type { SupplierCursor } from './cursor.js';

/** Where the change list was read to; restored when the poller becomes active. */
export interface CursorStore {
  load(): Promise<SupplierCursor | undefined>;
}

/** A supplier record the mapping could not turn into a canonical supplier; never blocks the list. */
export interface RejectedRecord {
  /** SUNO where the record had one. */
  key: string | undefined;
  error: MlcError;
}

/** One page's output: what Kafka must acknowledge before the cursor may move to `cursor`. */
export interface PageCommit {
  events: readonly SupplierEvent[];
  rejected: readonly RejectedRecord[];
  cursor: SupplierCursor;
}

export interface PagePublisher {
  /** Publishes the events, the rejects and the cursor in one Kafka transaction; resolves once committed. */
  commit(page: PageCommit): Promise<void>;
}

/** Content hash of the supplier event last published per supplier, to skip unchanged records. */
export interface HashStore {
  lastHashes(keys: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Called after the Kafka commit: losing this write only causes a harmless identical republish. */
  remember(entries: readonly { key: string; contentHash: string }[]): Promise<void>;
}

export interface PollerMetrics {
  pollFinished(status: 'ok' | 'failed' | 'stopped', seconds: number): void;
  pollFailed(code: string): void;
  recordsRead(count: number): void;
  published(count: number): void;
  unchanged(count: number): void;
  rejected(code: string): void;
  /** Records read with a change timestamp past now + the allowed skew (counted each time they are read). */
  futureRecords(count: number): void;
  lastSuccess(at: Date): void;
}

export const NOOP_METRICS: PollerMetrics = {
  pollFinished() {},
  pollFailed() {},
  recordsRead() {},
  published() {},
  unchanged() {},
  rejected() {},
  futureRecords() {},
  lastSuccess() {},
};
