import type { IHeaders, TopicMessages } from 'kafkajs';
import {
  isKnownConnection,
  recordOperatorAction,
  selectEvents,
  updateOperatorActionDetails,
  type ActionRecord,
  type Db,
  type EventSelection,
  type LoggedEvent,
} from '@mlc/audit';
import { MlcError, toMlcError } from '@mlc/errors';
import type { TopicCodec } from '@mlc/events';
import { REPLAY_HEADERS, type TopicNamespace } from '@mlc/kafka';
import type { Command } from './args.js';
import type { Progress } from './progress.js';
import { renderTable } from './table.js';

export type RepublishCommand = Extract<Command, { name: 'republish' }>;

export interface RepublishResult {
  dryRun: boolean;
  force: boolean;
  selected: number;
  published: number;
  /** Selected events per (logical) topic. */
  topics: Record<string, number>;
  /** Up to 20 of the selected records, for a look before the real run. */
  sample: { topic: string; key: string | null; eventId: string | null; at: string }[];
  actionId?: string;
}

export interface RepublishDeps {
  db: Db;
  send(topicMessages: readonly TopicMessages[]): Promise<void>;
  codec: TopicCodec;
  namespace: TopicNamespace;
  progress(label: string, total: number): Progress;
  now(): Date;
  /** Events per page read from Postgres and per send. */
  pageSize?: number;
}

/**
 * The headers of a republished event: the ones it was published with (correlation id, type, id),
 * then the replay's; a replay of a replay names only the latest. Pure.
 */
export function replayHeaders(original: Record<string, string | string[]>, actionId: string, force: boolean): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(original)) if (name !== REPLAY_HEADERS.replayId && name !== REPLAY_HEADERS.force) headers[name] = value;
  headers[REPLAY_HEADERS.replayId] = actionId;
  if (force) headers[REPLAY_HEADERS.force] = 'true';
  return headers;
}

/** The audit-log selection of a command; `until` is capped at `now` so what this run publishes is never selected again by it. */
export function selectionOf(cmd: Pick<RepublishCommand, 'connection' | 'entityType' | 'keys' | 'source' | 'since' | 'until'>, now: Date): Omit<EventSelection, 'limit' | 'after'> {
  const to = cmd.until !== undefined && cmd.until < now ? cmd.until : now;
  return {
    connection: cmd.connection,
    ...(cmd.entityType === undefined ? {} : { entityType: cmd.entityType }),
    ...(cmd.keys.length === 0 ? {} : { keys: cmd.keys }),
    ...(cmd.source === undefined ? {} : { source: cmd.source }),
    ...(cmd.since === undefined ? {} : { from: cmd.since }),
    to,
  };
}

async function* pages(db: Db, selection: Omit<EventSelection, 'limit' | 'after'>, limit: number): AsyncGenerator<LoggedEvent[]> {
  let after: EventSelection['after'];
  for (;;) {
    const page = await selectEvents(db, { ...selection, limit, ...(after === undefined ? {} : { after }) });
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    const last = page.at(-1)!;
    after = { kafkaTs: last.kafkaTs, topic: last.topic, partition: last.partition, offset: last.offset };
  }
}

/**
 * Publishes a selection of the audit log again, to each event's topic in this namespace, re-encoded
 * through the registry codec with its original record key and headers plus the replay headers
 * (`mlc-replay-force: true` with `force`). Events go in log order, one send at a time on an
 * idempotent producer, so order per key holds. Works after Kafka's retention dropped the
 * originals. The action and the records it touched are recorded before the first send (the
 * headers name it); how many were published is added when done or when it fails. An unknown
 * connection is bad input and changes nothing; a dry run reports what would go.
 */
export async function republish(
  deps: RepublishDeps,
  cmd: Pick<RepublishCommand, 'connection' | 'entityType' | 'keys' | 'source' | 'since' | 'until' | 'force' | 'dryRun' | 'actor'> & { reason?: string | undefined },
): Promise<RepublishResult> {
  const { db, codec, namespace, pageSize = 500 } = deps;
  if (!(await isKnownConnection(db, cmd.connection))) {
    throw new MlcError('MLC_CONFIG_INVALID', `unknown connection "${cmd.connection}": the audit log has no event, outcome or DLQ entry of it`, { context: { connection: cmd.connection } });
  }
  const selection = selectionOf(cmd, deps.now());
  // First pass: what is selected, so the action names its records before anything is sent.
  const records: ActionRecord[] = [];
  const topics: Record<string, number> = {};
  const sample: RepublishResult['sample'] = [];
  for await (const page of pages(db, selection, pageSize)) {
    for (const e of page) {
      const logical = namespace.logical(e.topic);
      topics[logical] = (topics[logical] ?? 0) + 1;
      records.push({ connection: e.connection, entityType: e.entityType, entityKey: e.entityKey, eventId: e.eventId, correlationId: typeof e.payload.correlationId === 'string' ? e.payload.correlationId : null });
      if (sample.length < 20) sample.push({ topic: logical, key: e.entityKey, eventId: e.eventId, at: e.kafkaTs });
    }
  }
  const result: RepublishResult = { dryRun: cmd.dryRun, force: cmd.force, selected: records.length, published: 0, topics, sample };
  if (cmd.dryRun || records.length === 0) return result;

  const { id } = await recordOperatorAction(db, {
    kind: 'republish',
    actor: cmd.actor,
    ...(cmd.reason === undefined ? {} : { reason: cmd.reason }),
    selection: { ...selection, from: selection.from?.toISOString(), to: selection.to?.toISOString(), force: cmd.force },
    records,
    details: { force: cmd.force, topics },
  });
  result.actionId = id;
  const progress = deps.progress('republish', records.length);
  try {
    for await (const page of pages(db, selection, pageSize)) {
      const byTopic = new Map<string, TopicMessages>();
      for (const e of page) {
        // The topic of the event in this namespace (the log may hold another deployment's prefix only if configured so).
        const topic = namespace.topic(namespace.logical(e.topic));
        const value = await codec.encode(topic, e.payload);
        const entry = byTopic.get(topic) ?? { topic, messages: [] };
        entry.messages.push({ key: e.recordKey, value, headers: replayHeaders(e.headers, id, cmd.force) });
        byTopic.set(topic, entry);
      }
      try {
        await deps.send([...byTopic.values()]);
      } catch (error) {
        throw toMlcError(error, { call: 'republish', actionId: id });
      }
      result.published += page.length;
      progress.advance(page.length);
    }
  } catch (error) {
    const e = toMlcError(error, { actionId: id, published: result.published });
    await updateOperatorActionDetails(db, id, { published: result.published, failed: e.code }).catch(() => undefined);
    throw e;
  } finally {
    progress.done();
  }
  await updateOperatorActionDetails(db, id, { published: result.published });
  return result;
}

export function formatRepublish(result: RepublishResult): string {
  const topics = renderTable([{ header: 'TOPIC' }, { header: 'EVENTS', align: 'right' }], Object.entries(result.topics));
  if (result.selected === 0) return 'nothing selected: no event in the audit log matches';
  if (result.dryRun) {
    const sample = renderTable([{ header: 'AT' }, { header: 'TOPIC' }, { header: 'KEY' }, { header: 'EVENT ID' }], result.sample.map((s) => [s.at, s.topic, s.key, s.eventId]));
    return `dry run: ${result.selected} event(s) would be republished${result.force ? ' with mlc-replay-force' : ''}\n${topics}\n\nfirst ${result.sample.length}:\n${sample}`;
  }
  return `republished ${result.published} event(s)${result.force ? ' (forced)' : ''} as operator action #${result.actionId}\n${topics}`;
}
