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

/** What the runtime hands a handler, and puts in the outcome, for a record an operator sent again. */
export interface Replay {
  /** The operator action that sent the record again. */
  id: string;
  /** Write even when the content equals what was last written. */
  force: boolean;
}

/**
 * The replay a record's headers name, or undefined for an ordinary record. Without a replay id
 * there is no replay, even with the force header: a forced write must always be traceable to the
 * operator action that asked for it. Force is on only for the exact value 'true'.
 */
export function readReplay(headers: IHeaders | undefined): Replay | undefined {
  const id = headerString(headers, REPLAY_HEADERS.replayId)?.trim();
  if (id === undefined || id === '') return undefined;
  return { id, force: headerString(headers, REPLAY_HEADERS.force) === 'true' };
}

/** Headers that mark a record as sent again by `replay` (for the tools that republish). */
export function replayHeaders(replay: Replay): Record<string, string> {
  return { [REPLAY_HEADERS.replayId]: replay.id, [REPLAY_HEADERS.force]: String(replay.force) };
}

/** First value of a header as a string, or undefined. kafkajs hands headers in as Buffers. */
export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}
