import type { IHeaders } from 'kafkajs';

/** Headers every event and outcome carries, so tools can route and trace without decoding. */
export const EVENT_HEADERS = {
  correlationId: 'mlc-correlation-id',
  eventType: 'mlc-event-type',
  eventId: 'mlc-event-id',
} as const;

/**
 * Headers of a record an operator sent again (a republish from the audit log, a DLQ redrive):
 * `replayId` names the recorded operator action; `force` ('true') asks writers to write even when
 * the content equals what they last wrote (after a mapping or configuration fix). An ordinary
 * redelivery carries neither and stays a no-op.
 */
export const REPLAY_HEADERS = {
  replayId: 'mlc-replay-id',
  force: 'mlc-replay-force',
} as const;

/** First value of a header as a string, or undefined. kafkajs hands headers in as Buffers. */
export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}
