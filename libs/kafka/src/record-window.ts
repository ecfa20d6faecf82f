import type { Message } from 'kafkajs';

/** A record to send before the message that produced it may be committed: an outcome or a DLQ record. */
export interface PendingRecord {
  topic: string;
  message: Message;
}

/** Records grouped by target topic, in order, as `producer.sendBatch` takes them. */
export function topicMessages(records: readonly PendingRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of records) {
    const messages = byTopic.get(topic);
    if (messages === undefined) byTopic.set(topic, [message]);
    else messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

export interface CreateRecordWindowParams {
  /**
   * Sends a window's records, then resolves and commits its last offset `upTo`. Called for one
   * window at a time, in offset order.
   */
  record(records: PendingRecord[], upTo: string): Promise<void>;
  /** A window is recorded at the latest once it holds this many records... */
  maxRecords: number;
  /** ...or once its oldest record is this old (checked as messages are added). */
  maxDelayMs: number;
  now?: () => number;
}

/**
 * The record/commit window of one fetched batch. Finished messages' records collect in a window;
 * a full or old window is recorded (sent, then its last offset committed) while the next window's
 * messages are handled, since waiting for Kafka's acks is most of a window's cost. One window at a
 * time keeps sends and commits in offset order and bounds what a failure can make us redo: an
 * offset is committed only after Kafka acknowledged what that message and every message before it
 * produced.
 */
export interface RecordWindow {
  /** Adds a finished message's records; starts recording the window once it is full or old. */
  add(offset: string, records: readonly PendingRecord[]): Promise<void>;
  /**
   * Starts recording the finished messages once the window before them is recorded; rethrows that
   * window's failure, in which case the finished messages are dropped (delivered again).
   */
  flush(): Promise<void>;
  /** Returns once everything finished so far is acknowledged and committed. */
  drain(): Promise<void>;
  /** True once recording a window failed (send interrupted, commit refused): nothing after it may be committed. */
  failed(): boolean;
  /** Waits for the window being recorded, whatever its outcome. */
  settled(): Promise<void>;
}

export function createRecordWindow({ record, maxRecords, maxDelayMs, now = Date.now }: CreateRecordWindowParams): RecordWindow {
  let pending: PendingRecord[] = [];
  let lastDone: string | undefined;
  let oldestPendingAt = 0;
  let failure: { error: unknown } | undefined;
  let recording: Promise<void> = Promise.resolve();

  async function flush(): Promise<void> {
    if (lastDone === undefined) return;
    await recording;
    const window = record(pending, lastDone);
    pending = [];
    lastDone = undefined;
    window.catch((error: unknown) => {
      failure ??= { error };
    });
    recording = window;
  }

  return {
    async add(offset, records) {
      if (pending.length === 0) oldestPendingAt = now();
      pending.push(...records);
      lastDone = offset;
      if (pending.length >= maxRecords || now() - oldestPendingAt >= maxDelayMs) await flush();
    },
    flush,
    async drain() {
      await flush();
      await recording;
    },
    failed: () => failure !== undefined,
    settled: () => recording.catch(() => undefined),
  };
}
