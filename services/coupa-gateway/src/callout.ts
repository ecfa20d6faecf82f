import { MlcError } from '@mlc/errors';
import { targetRefFor, type TargetRecordStore } from '@mlc/writer';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConnection } from './app.js';
import type { Publish } from './batching.js';
import type { GatewayMetrics, WebhookOutcome } from './metrics.js';
import { COUPA_EVENT_ENTITIES, isCoupaEventType, normalize, type GatewayEntity } from './normalize.js';
import { orderLinesOf, resolveOrderLineNumbers, type FetchOrderLines, type OrderLineIndex } from './order-lines.js';
import type { DeliveryLog, RejectionLog, SeenDelivery } from './stores.js';

export interface CalloutHandlerParams {
  publish: Publish;
  deliveries: DeliveryLog;
  rejections: RejectionLog;
  targetRecords: Pick<TargetRecordStore, 'get'>;
  orderLines?: { index: OrderLineIndex; fetchOrderLines?: FetchOrderLines | undefined } | undefined;
  topicOf: (entity: GatewayEntity) => string;
  clock: () => Date;
  publishTimeoutMs: number;
  /** How long a claim on a Coupa event id holds before another call-out may take it over. */
  claimLeaseMs: number;
  metrics: GatewayMetrics;
}

export interface Callout {
  connection: GatewayConnection;
  coupaEventId: string | undefined;
  eventType: string | undefined;
  /** Raw body bytes, already authenticated. */
  body: Buffer;
  /** The request's logger (it carries the request id). */
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  /** `process.hrtime.bigint()` when the call-out arrived, for the latency metric. */
  started: bigint;
  /** Aborted when the caller is gone (its connection closed before the answer). */
  signal?: AbortSignal | undefined;
}

export interface CalloutAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Coupa's event ids are short; a longer header is refused rather than stored and indexed. */
export const MAX_EVENT_ID_LENGTH = 200;

// When Coupa should retry a call-out whose id another request is publishing right now.
const IN_PROGRESS_RETRY_AFTER_SECONDS = '5';

/**
 * Waits for the publish until its ack, `ms`, or the caller leaving, whichever comes first; on
 * the last two, aborts `giveUp` (the publisher drops the event if it is still queued) and throws.
 */
async function awaitPublish(publishing: Promise<void>, giveUp: AbortController, ms: number, caller: AbortSignal | undefined, context: Record<string, unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onCallerGone: (() => void) | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    const quit = (message: string, reason: string) => {
      giveUp.abort();
      reject(new MlcError('MLC_KAFKA_UNAVAILABLE', message, { context: { ...context, reason, timeoutMs: ms } }));
    };
    timer = setTimeout(() => quit(`no Kafka ack within ${ms} ms`, 'publish-timeout'), ms);
    onCallerGone = () => quit('the caller left before Kafka acknowledged', 'caller-gone');
    if (caller?.aborted) onCallerGone();
    else caller?.addEventListener('abort', onCallerGone, { once: true });
  });
  try {
    await Promise.race([publishing, gaveUp]);
  } finally {
    clearTimeout(timer);
    if (onCallerGone !== undefined) caller?.removeEventListener('abort', onCallerGone);
  }
}

/**
 * An authenticated call-out, start to answer: event type and id → parse → normalise → claim the
 * id (which also says whether it was handled, and the newest record for the key) beside the echo
 * check → publish and await the ack → complete the claim (shared with the other callers of the
 * same Kafka send). Three statements, each shared with the call-outs at the same step at the same
 * moment (see stores.ts and the target-record store).
 * Infrastructure failures release the claim and throw (the app answers 503, Coupa retries);
 * everything else is an answer.
 */
export function createCalloutHandler(params: CalloutHandlerParams): (callout: Callout) => Promise<CalloutAnswer> {
  const { publish, deliveries, rejections, targetRecords, orderLines, topicOf, clock, publishTimeoutMs, claimLeaseMs, metrics } = params;

  return async ({ connection, coupaEventId: givenEventId, eventType, body, log, started, signal }) => {
    let coupaEventId = givenEventId;
    const reject = async (status: number, code: string, reason: string, outcome: WebhookOutcome, context: Record<string, unknown> = {}): Promise<CalloutAnswer> => {
      metrics.request(connection.id, outcome);
      log.warn({ connection: connection.id, coupaEventId, eventType, code, ...context }, `call-out rejected: ${reason}`);
      await rejections.record({ connection: connection.id, coupaEventId, eventType, status, code, reason, body });
      return { status, body: { error: code, message: reason } };
    };
    if (!coupaEventId) return reject(400, 'missing-event-id', 'X-Coupa-Event-Id header is required', 'bad-request');
    if (coupaEventId.length > MAX_EVENT_ID_LENGTH) {
      const length = coupaEventId.length;
      coupaEventId = undefined;
      return reject(400, 'event-id-too-long', `X-Coupa-Event-Id is longer than ${MAX_EVENT_ID_LENGTH} characters`, 'bad-request', { length });
    }
    if (!isCoupaEventType(eventType)) return reject(400, 'unknown-event-type', `unknown X-Coupa-Event-Type ${JSON.stringify(eventType ?? null)}`, 'bad-request');

    const answerSeen = (seen: SeenDelivery | undefined): CalloutAnswer => {
      if (seen === undefined || seen.outcome === 'pending') {
        metrics.request(connection.id, 'in-progress');
        log.info({ connection: connection.id, coupaEventId }, 'call-out with this event id is being published by another request; asked to retry');
        return { status: 503, headers: { 'retry-after': IN_PROGRESS_RETRY_AFTER_SECONDS }, body: { error: 'in-progress', message: 'this event id is being handled; retry later' } };
      }
      metrics.request(connection.id, 'duplicate');
      return { status: 200, body: { status: 'duplicate', outcome: seen.outcome, eventId: seen.eventId } };
    };

    // An id already handled is answered as such even when its body no longer maps (the mapping
    // changed since): looked up only on those rare paths and before an invoice's PO-line lookup
    // (which may call Coupa); otherwise the claim below reads it in the same statement.
    const seenBefore = async (): Promise<CalloutAnswer | undefined> => {
      const seen = await deliveries.find(connection.id, coupaEventId);
      // A `pending` id goes on: only the claim knows whether its holder's lease lapsed (the holder
      // died) and takes it over; answering 503 here would refuse every retry until expiry.
      return seen && seen.outcome !== 'pending' ? answerSeen(seen) : undefined;
    };

    let record: unknown;
    try {
      record = JSON.parse(body.toString('utf8'));
    } catch {
      return (await seenBefore()) ?? reject(400, 'malformed-json', 'the body is not valid JSON', 'bad-request');
    }
    const invoiceLines = orderLines && COUPA_EVENT_ENTITIES[eventType] === 'invoice';
    if (invoiceLines) {
      const seen = await seenBefore();
      if (seen) return seen;
    }
    const orderLineNumbers = invoiceLines ? await resolveOrderLineNumbers({ connection: connection.id, invoice: record, ...orderLines }) : undefined;
    const normalized = normalize({
      connection: connection.id,
      eventType,
      coupaEventId,
      record,
      mapping: connection.mapping,
      observedAt: clock(),
      ...(orderLineNumbers ? { orderLineNumbers } : {}),
    });
    if (!normalized.ok) return (await seenBefore()) ?? reject(422, normalized.error.code, normalized.error.message, 'unmappable', { paths: normalized.error.context.paths });

    const { entity, event } = normalized;
    const occurredAt = new Date(event.occurredAt);
    // The claim and, for a supplier, what coupa-writer last wrote to Coupa (an echo?) in parallel:
    // two statements, one round trip of waiting.
    const [claim, written] = await Promise.all([
      deliveries.claim(
        { connection: connection.id, coupaEventId, eventType, entityType: entity, entityKey: event.entity.key, eventId: event.id, contentHash: event.contentHash, occurredAt },
        claimLeaseMs,
      ),
      entity === 'supplier' ? targetRecords.get(targetRefFor(event, 'coupa')) : undefined,
    ]);
    // A signed body can be sent again under a new event id (a replay): what it carries decides.
    // The same content as the newest record handled for the key changes nothing (the claim says
    // so and claims nothing); an older record would overwrite a newer one downstream. A later
    // change back to earlier content is newer, so it passes.
    if ('replay' in claim) {
      metrics.request(connection.id, 'duplicate');
      log.info({ connection: connection.id, coupaEventId, eventId: event.id }, 'call-out carries the newest record already handled for its key; not published again');
      return { status: 200, body: { status: 'duplicate', outcome: 'published', eventId: event.id } };
    }
    if (!claim.claimed) return answerSeen(claim.holder);
    const { latest } = claim;
    const stale = latest !== undefined && occurredAt.getTime() < latest.occurredAt.getTime();
    const release = () =>
      deliveries.release(connection.id, coupaEventId, claim.token).catch((releaseError: unknown) =>
        // The claim then lapses after its lease, and Coupa's retry takes it over.
        log.warn({ connection: connection.id, coupaEventId, err: releaseError }, 'could not release the claim on the event id'),
      );
    const complete = async (outcome: 'published' | 'echo' | 'stale') => {
      if (!(await deliveries.complete(connection.id, coupaEventId, claim.token, outcome))) {
        // Slower than the lease: another request took the id over and publishes it too (same event id; consumers absorb it).
        log.warn({ connection: connection.id, coupaEventId, claimLeaseMs }, 'claim on the event id was taken over before completion');
      }
    };

    // Set once the claim's fate is left to a publish its caller stopped waiting for.
    let handedOver = false;
    try {
      if (stale) {
        await complete('stale');
        metrics.request(connection.id, 'stale');
        log.warn({ connection: connection.id, coupaEventId, key: event.entity.key, occurredAt: event.occurredAt, newest: latest.occurredAt.toISOString(), newestEventId: latest.eventId }, 'call-out carries a record older than one already handled; recorded as stale, not published');
        return { status: 200, body: { status: 'stale', eventId: event.id } };
      }
      if (written?.contentHash === event.contentHash) {
        await complete('echo');
        metrics.request(connection.id, 'echo');
        log.info({ connection: connection.id, coupaEventId, key: event.entity.key, writtenBy: written.eventId }, 'echo of our own write; not forwarded');
        return { status: 200, body: { status: 'echo', eventId: event.id } };
      }

      // Before the publish: an invoice may follow its PO within milliseconds. Harmless if the
      // publish then fails: the index only maps ids to line numbers.
      if (entity === 'purchase-order' && orderLines) await orderLines.index.remember(connection.id, event.entity.key, orderLinesOf(record));
      const topic = topicOf(entity);
      const giveUp = new AbortController();
      const publishing = publish(topic, event, { signal: giveUp.signal, heldBytes: body.length });
      try {
        await awaitPublish(publishing, giveUp, publishTimeoutMs, signal, { connection: connection.id, coupaEventId, topic });
      } catch (error) {
        if (giveUp.signal.aborted) {
          // The caller is answered 503 now (or is gone). What becomes of its event decides the
          // claim: dropped from the queue (never sent) or failed, it is released at once so Coupa's
          // retry is taken; already in a send, it stays claimed until that send ends, then is
          // completed (a retry meanwhile is asked to come back, and then finds it published) or released.
          handedOver = true;
          void publishing.then(
            () => complete('published'),
            () => release(),
          ).catch((lateError: unknown) => log.warn({ connection: connection.id, coupaEventId, err: lateError }, 'could not record the late end of a publish'));
        }
        throw error;
      }
      await complete('published');
    } catch (error) {
      if (!handedOver) await release();
      // Refused before it was queued: no retry can send it, so it is answered and kept as a rejection.
      if (error instanceof MlcError && error.code === 'MLC_PAYLOAD_TOO_LARGE') return reject(413, 'event-too-large', error.message, 'too-large', error.context);
      throw error;
    }
    metrics.published(entity, Number(process.hrtime.bigint() - started) / 1e9);
    metrics.request(connection.id, 'published');
    return { status: 200, body: { status: 'published', eventId: event.id } };
  };
}
