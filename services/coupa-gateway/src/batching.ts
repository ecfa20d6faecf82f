import { setTimeout as sleep } from 'node:timers/promises';
import { MlcError, backoffDelay, toMlcError, type BackoffOptions } from '@mlc/errors';
import { jsonOf, type CanonicalEvent } from '@mlc/events';
import { DEFAULT_MAX_RECORD_BYTES, oversizedRecord } from '@mlc/kafka';

export interface PublishOptions {
  /**
   * Aborted when the caller gives up (its request was aborted or timed out). An event still
   * queued is then dropped: its promise rejects at once (MLC_KAFKA_UNAVAILABLE, reason
   * `caller-gave-up`) and it is never sent. One already in a send cannot be called back: its
   * promise settles with that send.
   */
  signal?: AbortSignal | undefined;
  /** Memory the caller holds while it waits (a call-out's raw body), counted with the event's own bytes. */
  heldBytes?: number | undefined;
}

/** Publishes one event; resolves on Kafka's ack. */
export type Publish = (topic: string, event: CanonicalEvent, options?: PublishOptions) => Promise<void>;

/** What the publisher holds now: events queued or in a send, and their size (JSON bytes, plus what their callers hold). */
export interface PublishQueueState {
  events: number;
  bytes: number;
}

export interface BatchingPublisherParams {
  /** Sends a batch to one topic and resolves on Kafka's ack (e.g. `EventProducer.publish`). */
  publishBatch: (topic: string, events: readonly CanonicalEvent[]) => Promise<void>;
  /** Most events in one send; the rest wait for the next. */
  maxBatch?: number;
  /** Most events held at once (queued or in a send, all topics); beyond it a publish is refused at once. Default 1000. */
  maxQueued?: number;
  /** Most bytes (events as JSON, plus `heldBytes`) held at once; beyond it a publish is refused at once. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** Backoff between sends of a batch that failed with a retriable error (Kafka away). */
  retry?: BackoffOptions;
  /** Told whenever what is held changes (a gauge). */
  onChange?: (state: PublishQueueState) => void;
  /** Told of each event dropped because its caller gave up before it was sent. */
  onDropped?: (topic: string) => void;
  /**
   * The largest record sent (MLC_MAX_RECORD_BYTES): an event over it is refused at once
   * (MLC_PAYLOAD_TOO_LARGE), never queued, so it cannot fail the send it would share with others.
   * Default DEFAULT_MAX_RECORD_BYTES.
   */
  maxRecordBytes?: number;
}

interface Pending {
  event: CanonicalEvent;
  bytes: number;
  signal: AbortSignal | undefined;
  inFlight: boolean;
  done: boolean;
  onAbort: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export const DEFAULT_MAX_QUEUED = 1000;
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * Publishes one event per call, coalescing the calls that arrive while a send to the same topic
 * is in flight into the next send. The idempotent producer keeps one request in flight, so
 * without this concurrent call-outs queue behind each other one round trip each; with it, they
 * share round trips. Each caller still resolves only once its own event is acknowledged.
 *
 * Under a Kafka outage it holds no more than `maxQueued` events and `maxQueuedBytes` (a publish
 * beyond them is refused at once: MLC_KAFKA_UNAVAILABLE, reason `publish-queue-full`, which the
 * gateway answers 503); a send that fails with a retriable error goes back to the front of its
 * topic's queue and is tried again after a backoff, without the events whose callers gave up
 * meanwhile. A non-retriable failure (an event that does not encode) rejects the callers of its batch.
 */
export function createBatchingPublisher({
  publishBatch,
  maxBatch = 500,
  maxQueued = DEFAULT_MAX_QUEUED,
  maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES,
  retry = { initialMs: 200, maxMs: 5_000 },
  onChange,
  onDropped,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
}: BatchingPublisherParams): Publish & { state(): PublishQueueState } {
  const queues = new Map<string, { pending: Pending[]; sending: boolean }>();
  const held: PublishQueueState = { events: 0, bytes: 0 };

  function settle(p: Pending, error?: unknown): void {
    if (p.done) return;
    p.done = true;
    held.events -= 1;
    held.bytes -= p.bytes;
    p.signal?.removeEventListener('abort', p.onAbort);
    onChange?.({ ...held });
    if (error === undefined) p.resolve();
    else p.reject(error);
  }

  const gaveUp = (topic: string, p: Pending) => {
    onDropped?.(topic);
    return new MlcError('MLC_KAFKA_UNAVAILABLE', 'the caller gave up before its event was sent; dropped', { context: { reason: 'caller-gave-up', topic, eventId: p.event.id } });
  };

  async function drain(topic: string, queue: { pending: Pending[]; sending: boolean }): Promise<void> {
    queue.sending = true;
    let failures = 0;
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0, maxBatch);
      for (const p of batch) p.inFlight = true;
      try {
        await publishBatch(
          topic,
          batch.map((p) => p.event),
        );
        failures = 0;
        for (const p of batch) settle(p);
      } catch (thrown) {
        const error = toMlcError(thrown, { topic });
        if (!error.retriable) {
          for (const p of batch) settle(p, error);
          continue;
        }
        // Kafka away: the batch waits at the front, in order, for as long as its callers do.
        const waiting = batch.filter((p) => !p.signal?.aborted);
        for (const p of batch) if (p.signal?.aborted) settle(p, gaveUp(topic, p));
        for (const p of waiting) p.inFlight = false;
        queue.pending.unshift(...waiting);
        failures += 1;
        await sleep(backoffDelay(failures, retry), undefined, { ref: false });
      }
    }
    queue.sending = false;
  }

  const publish = (topic: string, event: CanonicalEvent, options: PublishOptions = {}) =>
    new Promise<void>((resolve, reject) => {
      const { signal, heldBytes = 0 } = options;
      // The event's JSON as buildEvent made it (for the hash and the publish), not a second one.
      const bytes = Buffer.byteLength(jsonOf(event)) + heldBytes;
      const tooLarge = oversizedRecord(event, undefined, maxRecordBytes, topic);
      if (tooLarge !== undefined) {
        reject(tooLarge);
        return;
      }
      if (signal?.aborted) {
        reject(new MlcError('MLC_KAFKA_UNAVAILABLE', 'the caller gave up before its event was queued', { context: { reason: 'caller-gave-up', topic, eventId: event.id } }));
        return;
      }
      if (held.events + 1 > maxQueued || held.bytes + bytes > maxQueuedBytes) {
        reject(
          new MlcError('MLC_KAFKA_UNAVAILABLE', 'the publish queue is full (Kafka is slow or away)', {
            context: { reason: 'publish-queue-full', topic, eventId: event.id, bytes, queuedEvents: held.events, queuedBytes: held.bytes, maxQueued, maxQueuedBytes },
          }),
        );
        return;
      }
      let queue = queues.get(topic);
      if (queue === undefined) {
        queue = { pending: [], sending: false };
        queues.set(topic, queue);
      }
      const q = queue;
      const p: Pending = {
        event,
        bytes,
        signal,
        inFlight: false,
        done: false,
        resolve,
        reject,
        onAbort: () => {
          // In a send: it settles with the send (or is dropped if the send fails).
          if (p.inFlight) return;
          const at = q.pending.indexOf(p);
          if (at >= 0) q.pending.splice(at, 1);
          settle(p, gaveUp(topic, p));
        },
      };
      signal?.addEventListener('abort', p.onAbort, { once: true });
      held.events += 1;
      held.bytes += bytes;
      onChange?.({ ...held });
      q.pending.push(p);
      if (!q.sending) void drain(topic, q);
    });

  return Object.assign(publish, { state: (): PublishQueueState => ({ ...held }) });
}
