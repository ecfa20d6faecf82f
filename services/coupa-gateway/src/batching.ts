import type { CanonicalEvent } from '@mlc/events';

export interface BatchingPublisherParams {
  /** Sends a batch to one topic and resolves on Kafka's ack (e.g. `EventProducer.publish`). */
  publishBatch: (topic: string, events: readonly CanonicalEvent[]) => Promise<void>;
  /** Most events in one send; the rest wait for the next. */
  maxBatch?: number;
}

interface Pending {
  event: CanonicalEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Publishes one event per call, coalescing the calls that arrive while a send to the same topic
 * is in flight into the next send. The idempotent producer keeps one request in flight, so
 * without this concurrent call-outs queue behind each other one round trip each; with it, they
 * share round trips. Each caller still resolves only once its own event is acknowledged, and a
 * failed send rejects exactly the callers whose events it carried.
 */
export function createBatchingPublisher({ publishBatch, maxBatch = 500 }: BatchingPublisherParams): (topic: string, event: CanonicalEvent) => Promise<void> {
  const queues = new Map<string, { pending: Pending[]; sending: boolean }>();

  async function drain(topic: string, queue: { pending: Pending[]; sending: boolean }): Promise<void> {
    queue.sending = true;
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0, maxBatch);
      try {
        await publishBatch(
          topic,
          batch.map((p) => p.event),
        );
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    queue.sending = false;
  }

  return (topic, event) =>
    new Promise<void>((resolve, reject) => {
      let queue = queues.get(topic);
      if (queue === undefined) {
        queue = { pending: [], sending: false };
        queues.set(topic, queue);
      }
      queue.pending.push({ event, resolve, reject });
      if (!queue.sending) void drain(topic, queue);
    });
}
