import type { Logger } from '@mlc/log';

/** The consumer's pause/resume of single partitions (kafkajs `consumer.pause` / `consumer.resume`). */
export interface PartitionControl {
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
}

/** setTimeout/clearTimeout, injectable so tests drive time by hand. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface CreateRetryPausesParams {
  partitions: PartitionControl;
  logger: Logger;
  timers?: Timers;
}

/**
 * Retry-in-place bookkeeping of a consumer: which message of a partition is failing, how many
 * attempts it has had, and the pause that holds the partition until its next attempt.
 *
 * A retriable handler error pauses its partition instead of sleeping in eachBatch: kafkajs fetches
 * again only once every batch of the current fetch has returned, so a sleeping batch would stop all
 * partitions, including the one carrying what the failing message waits for. The failing offset is
 * left unresolved, so the partition's next fetch starts at it and nothing after it is handled
 * first. Its attempts are kept here, as they outlive the batch.
 */
export interface RetryPauses {
  /** 1 for a message seen first, previous attempts + 1 for the partition's failing message. */
  attemptFor(topic: string, partition: number, offset: string): number;
  /**
   * Attempts of the partition's failing message that count towards maxAttempts (0 for a message
   * seen first): waits for our own infrastructure and for a full parking lot are not counted.
   */
  countedFor(topic: string, partition: number, offset: string): number;
  /**
   * The message at `offset` failed its `attempts`-th attempt and will be retried; `counted` of its
   * attempts count towards maxAttempts (default: all).
   */
  failed(topic: string, partition: number, offset: string, attempts: number, counted?: number): void;
  /** The partition's message was handled (or dead-lettered): its attempts are forgotten. */
  succeeded(topic: string, partition: number): void;
  /** Pauses a partition with a failed message until `delayMs` from now; nothing once closed. */
  pause(topic: string, partition: number, delayMs: number): void;
  /**
   * A new group generation. Every (eager) rebalance revokes and re-assigns all partitions, and
   * kafkajs keeps pauses across it. A pause of the old generation must neither linger nor be lifted
   * later by its timer, so the new generation starts unpaused; attempts are kept only where the
   * partition stayed ours.
   */
  rebalanced(assignment: Readonly<Record<string, readonly number[] | undefined>>): void;
  /** On stop: a partition waiting for its retry is simply left (its message was not committed). */
  close(): void;
}

interface Entry {
  topic: string;
  partition: number;
  offset: string;
  attempts: number;
  counted: number;
  resumeTimer?: unknown;
}

export function createRetryPauses({ partitions, logger, timers = REAL_TIMERS }: CreateRetryPausesParams): RetryPauses {
  const entries = new Map<string, Entry>();
  const keyOf = (topic: string, partition: number): string => `${topic}|${partition}`;
  let closed = false;

  function resume(entry: Entry): void {
    if (entry.resumeTimer !== undefined) timers.clear(entry.resumeTimer);
    entry.resumeTimer = undefined;
    try {
      partitions.resume(entry.topic, entry.partition);
    } catch (error) {
      // Only when kafkajs is between consumer groups (crash restart); the next group starts unpaused.
      logger.warn({ err: error, topic: entry.topic, partition: entry.partition }, 'could not resume a partition after its retry pause');
    }
  }

  return {
    attemptFor(topic, partition, offset) {
      const entry = entries.get(keyOf(topic, partition));
      return entry?.offset === offset ? entry.attempts + 1 : 1;
    },
    countedFor(topic, partition, offset) {
      const entry = entries.get(keyOf(topic, partition));
      return entry?.offset === offset ? entry.counted : 0;
    },
    failed(topic, partition, offset, attempts, counted = attempts) {
      const key = keyOf(topic, partition);
      const entry = entries.get(key);
      if (entry === undefined) entries.set(key, { topic, partition, offset, attempts, counted });
      else Object.assign(entry, { offset, attempts, counted });
    },
    succeeded(topic, partition) {
      entries.delete(keyOf(topic, partition));
    },
    pause(topic, partition, delayMs) {
      const entry = entries.get(keyOf(topic, partition));
      if (entry === undefined || closed) return;
      partitions.pause(topic, partition);
      if (entry.resumeTimer !== undefined) timers.clear(entry.resumeTimer);
      entry.resumeTimer = timers.set(() => {
        if (closed) return;
        logger.debug({ topic, partition, offset: entry.offset }, 'resuming a partition for its retry');
        resume(entry);
      }, delayMs);
    },
    rebalanced(assignment) {
      for (const [key, entry] of entries) {
        if (entry.resumeTimer !== undefined) resume(entry);
        if (!(assignment[entry.topic] ?? []).includes(entry.partition)) entries.delete(key);
      }
    },
    close() {
      closed = true;
      for (const entry of entries.values()) {
        if (entry.resumeTimer !== undefined) timers.clear(entry.resumeTimer);
      }
      entries.clear();
    },
  };
}
