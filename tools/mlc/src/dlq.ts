import type { TopicMessages } from 'kafkajs';
import {
  formatDlqId,
  getDlqRecords,
  listDlq,
  recordOperatorAction,
  resolveDlqEntries,
  type Db,
  type DlqEntry,
  type DlqPosition,
  type DlqRecord,
} from '@mlc/audit';
import { MlcError, toMlcError } from '@mlc/errors';
import { decodeWire, type TopicCodec } from '@mlc/events';
import { NO_POSITION, REPLAY_HEADERS, readDeadLetterTruncation, type TopicNamespace } from '@mlc/kafka';
import type { Command, DlqFilterArgs } from './args.js';
import { renderTable } from './table.js';

export interface DlqDeps {
  db: Db;
  send(topicMessages: readonly TopicMessages[]): Promise<void>;
  codec: TopicCodec;
  namespace: TopicNamespace;
}

/** An entry as mlc shows it: its id in logical names (what `show`, `redrive`, `discard` take). */
export type ShownEntry = Omit<DlqEntry, 'topic' | 'partition' | 'offset'> & { id: string };

const bad = (message: string, context: Record<string, unknown>) => new MlcError('MLC_CONFIG_INVALID', message, { context });

/** Ids are typed in logical names; a physical one (with the prefix) is taken as it is. */
export function physicalPosition(namespace: TopicNamespace, position: DlqPosition): DlqPosition {
  return namespace.prefix !== '' && position.topic.startsWith(namespace.prefix) ? position : { ...position, topic: namespace.topic(position.topic) };
}

function shown(namespace: TopicNamespace, entry: DlqEntry): ShownEntry {
  const { topic, partition, offset, ...rest } = entry;
  return { id: formatDlqId({ topic: namespace.logical(topic), partition, offset }), ...rest };
}

const filterOf = (filter: DlqFilterArgs) => ({ component: filter.writer, errorCode: filter.code, connection: filter.connection, since: filter.since });

export async function listEntries(
  { db, namespace }: Pick<DlqDeps, 'db' | 'namespace'>,
  cmd: Pick<Extract<Command, { name: 'dlq-list' }>, 'filter' | 'status' | 'limit'> & { after?: { id: DlqPosition; kafkaTs: string } | undefined },
): Promise<ShownEntry[]> {
  const after = cmd.after === undefined ? undefined : { ...physicalPosition(namespace, cmd.after.id), kafkaTs: cmd.after.kafkaTs };
  const entries = await listDlq(db, { ...filterOf(cmd.filter), status: cmd.status, limit: cmd.limit, after });
  return entries.map((e) => shown(namespace, e));
}

export function formatEntries(entries: readonly ShownEntry[]): string {
  if (entries.length === 0) return 'no DLQ entries match';
  return renderTable(
    [{ header: 'ID' }, { header: 'AT' }, { header: 'WRITER' }, { header: 'CODE' }, { header: 'CONNECTION' }, { header: 'RECORD' }, { header: 'ATTEMPTS', align: 'right' }, { header: 'STATUS' }, { header: 'MESSAGE', maxWidth: 50 }],
    entries.map((e) => [e.id, e.kafkaTs.replace(/(\.\d{3})\d*Z$/, '$1Z'), e.component, e.errorCode, e.connection, e.entityType && `${e.entityType} ${e.entityKey}`, e.attempts, e.status, e.errorMessage]),
  );
}

export interface ShownRecord extends ShownEntry {
  original: {
    key: string | null;
    headers: Record<string, string | string[]>;
    /** How the value could be read: through the registry (validated), as the JSON inside the wire format, as text, or only as base64. */
    decodedAs: 'registry' | 'json' | 'text' | 'base64' | 'none';
    value: unknown;
    decodeError?: { code: string; message: string };
  };
}

// Control characters other than tab, newline and carriage return mark bytes that are not text.
const isControl = (ch: string) => {
  const code = ch.charCodeAt(0);
  return code < 32 && ch !== '\t' && ch !== '\n' && ch !== '\r';
};

/** The value as well as it can be read: registry-validated first, else the raw JSON, text or bytes. */
export async function decodeOriginal(codec: TopicCodec, topic: string | null, value: Buffer | null): Promise<Pick<ShownRecord['original'], 'decodedAs' | 'value' | 'decodeError'>> {
  if (value === null) return { decodedAs: 'none', value: null };
  let decodeError: { code: string; message: string } | undefined;
  if (topic !== null) {
    try {
      return { decodedAs: 'registry', value: await codec.decode(topic, value) };
    } catch (error) {
      const e = toMlcError(error);
      decodeError = { code: e.code, message: e.message };
    }
  }
  const withError = decodeError === undefined ? {} : { decodeError };
  try {
    return { decodedAs: 'json', value: JSON.parse(decodeWire(value).payload.toString('utf8')), ...withError };
  } catch {
    const text = value.toString('utf8');
    // Printable UTF-8 (no replacement characters, no control bytes but whitespace) reads as text.
    if (!text.includes('\uFFFD') && ![...text].some(isControl)) return { decodedAs: 'text', value: text, ...withError };
    return { decodedAs: 'base64', value: value.toString('base64'), ...withError };
  }
}

async function findRecords(db: Db, namespace: TopicNamespace, ids: readonly DlqPosition[]): Promise<DlqRecord[]> {
  const positions = ids.map((id) => physicalPosition(namespace, id));
  const found = await getDlqRecords(db, positions);
  const have = new Set(found.map((r) => formatDlqId(r)));
  const missing = positions.filter((p) => !have.has(formatDlqId(p)));
  if (missing.length > 0) {
    const names = missing.map((p) => formatDlqId({ ...p, topic: namespace.logical(p.topic) }));
    throw bad(`no DLQ entry ${names.join(', ')} in the audit log (ids as \`mlc dlq list\` prints them)`, { missing: names });
  }
  return found;
}

export async function showEntry({ db, codec, namespace }: Pick<DlqDeps, 'db' | 'codec' | 'namespace'>, id: DlqPosition): Promise<ShownRecord> {
  const [record] = await findRecords(db, namespace, [id]);
  const { originalKey, originalValue, originalHeaders, ...entry } = record!;
  return {
    ...shown(namespace, entry),
    original: { key: originalKey === null ? null : originalKey.toString('utf8'), headers: originalHeaders, ...(await decodeOriginal(codec, entry.sourceTopic, originalValue)) },
  };
}

export function formatShown(record: ShownRecord): string {
  const field = (name: string, value: unknown) => `${`${name}:`.padEnd(16)}${value === null || value === undefined || value === '' ? '-' : String(value)}`;
  return [
    field('id', record.id),
    field('status', `${record.status}${record.resolvedActionId ? ` (operator action #${record.resolvedActionId} at ${record.resolvedAt})` : ''}`),
    field('writer', `${record.component} (group ${record.group ?? '-'})`),
    field('error', `${record.errorCode ?? '-'}${record.retriable === null ? '' : record.retriable ? ' (retries ran out)' : ' (permanent)'}`),
    field('message', record.errorMessage),
    field('attempts', record.attempts),
    field('dead-lettered', record.deadLetteredAt ?? record.kafkaTs),
    field('original', record.sourceTopic === null ? null : `${record.sourceTopic}:${record.sourcePartition}:${record.sourceOffset}`),
    field('record', record.entityType && `${record.connection} ${record.entityType} ${record.entityKey}`),
    field('event id', record.eventId),
    field('correlation id', record.correlationId),
    field('key', record.original.key),
    'headers:',
    ...Object.entries(record.original.headers).map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(', ') : v}`),
    `payload (${record.original.decodedAs}${record.original.decodeError ? `; registry: ${record.original.decodeError.code} ${record.original.decodeError.message}` : ''}):`,
    typeof record.original.value === 'string' ? record.original.value : JSON.stringify(record.original.value, null, 2),
  ].join('\n');
}

/**
 * Why an entry cannot be redriven, or undefined: it must be open, have been a Kafka record, and
 * carry its original whole (not a truncated copy of an oversized record).
 */
export function notRedrivable(entry: Pick<DlqRecord, 'status' | 'sourceTopic' | 'sourcePartition' | 'originalValue'> & Partial<Pick<DlqRecord, 'sourceOffset' | 'originalHeaders'>>): string | undefined {
  if (entry.status !== 'open') return `already ${entry.status}`;
  if (entry.sourceTopic === null || entry.sourcePartition === null || entry.sourcePartition === NO_POSITION) return 'not a Kafka record (a source row the poller rejected): fix it at the source';
  const truncation = readDeadLetterTruncation(entry.originalHeaders);
  if (truncation !== undefined) {
    const original = `${entry.sourceTopic}:${entry.sourcePartition}:${entry.sourceOffset ?? '?'}`;
    const size = truncation.originalBytes === undefined ? '' : `, ${truncation.originalBytes} bytes`;
    return (
      `a truncated copy of an oversized record (${truncation.cut.join(', ')} cut${size}); redriving it would send the cut bytes. ` +
      `The original is still in ${original} (while Kafka's retention keeps it) and in the audit log: send it again with \`mlc replay republish\` ` +
      `(its event) or \`mlc replay rewind\`, then \`mlc dlq discard\` this entry`
    );
  }
  if (entry.originalValue === null) return 'the original value is empty';
  return undefined;
}

export interface ResolveResult {
  action: 'redrive' | 'discard';
  dryRun: boolean;
  ids: string[];
  /** With --filter: matching entries that could not be redriven, and why. */
  skipped: { id: string; reason: string }[];
  actionId?: string;
}

const actionRecord = (r: DlqRecord) => ({
  connection: r.connection,
  entityType: r.entityType,
  entityKey: r.entityKey,
  correlationId: r.correlationId,
  eventId: r.eventId,
  dlq: { topic: r.topic, partition: r.partition, offset: r.offset },
});

// Enough for any sane redrive by filter; more is better done in steps.
const FILTER_LIMIT = 10_000;

/**
 * Republishes the original bytes, key and headers of DLQ entries to the topic they came from
 * (`mlc-dlq-topic`), plus `mlc-replay-id`, then marks them redriven. Ids that do not exist or
 * cannot be redriven are bad input and change nothing; with a filter, such entries are skipped and
 * reported. Recorded as an operator action before sending (the header names it).
 */
export async function redrive(
  deps: DlqDeps,
  cmd: Pick<Extract<Command, { name: 'dlq-redrive' }>, 'ids' | 'filter' | 'dryRun' | 'actor'> & { reason?: string | undefined },
): Promise<ResolveResult> {
  const { db, namespace } = deps;
  let records: DlqRecord[];
  const skipped: ResolveResult['skipped'] = [];
  const idOf = (r: DlqPosition) => formatDlqId({ ...r, topic: namespace.logical(r.topic) });
  if (cmd.filter !== undefined) {
    const entries = await listDlq(db, { ...filterOf(cmd.filter), status: 'open', limit: FILTER_LIMIT });
    records = await getDlqRecords(db, entries);
    records = records.filter((r) => {
      const why = notRedrivable(r);
      if (why !== undefined) skipped.push({ id: idOf(r), reason: why });
      return why === undefined;
    });
  } else {
    records = await findRecords(db, namespace, cmd.ids);
    const refused = records.map((r) => ({ id: idOf(r), reason: notRedrivable(r) })).filter((r) => r.reason !== undefined);
    if (refused.length > 0) throw bad(`cannot redrive ${refused.map((r) => `${r.id} (${r.reason})`).join('; ')}`, { refused });
  }
  const result: ResolveResult = { action: 'redrive', dryRun: cmd.dryRun, ids: records.map(idOf), skipped };
  if (cmd.dryRun || records.length === 0) return result;

  const { id } = await recordOperatorAction(db, {
    kind: 'redrive',
    actor: cmd.actor,
    ...(cmd.reason === undefined ? {} : { reason: cmd.reason }),
    selection: cmd.filter === undefined ? { ids: result.ids } : { filter: { ...cmd.filter, since: cmd.filter.since?.toISOString() } },
    records: records.map(actionRecord),
    details: { skipped },
  });
  result.actionId = id;
  const byTopic = new Map<string, TopicMessages>();
  for (const r of records) {
    const entry = byTopic.get(r.sourceTopic!) ?? { topic: r.sourceTopic!, messages: [] };
    entry.messages.push({ key: r.originalKey, value: r.originalValue, headers: { ...r.originalHeaders, [REPLAY_HEADERS.replayId]: id } });
    byTopic.set(r.sourceTopic!, entry);
  }
  try {
    await deps.send([...byTopic.values()]);
  } catch (error) {
    throw toMlcError(error, { call: 'redrive', actionId: id });
  }
  await resolveDlqEntries(db, { positions: records, status: 'redriven', actionId: id });
  return result;
}

/** Marks DLQ entries discarded, with the operator's reason on the recorded action. Unknown or resolved ids are bad input. */
export async function discard({ db, namespace }: Pick<DlqDeps, 'db' | 'namespace'>, cmd: Pick<Extract<Command, { name: 'dlq-discard' }>, 'ids' | 'reason' | 'actor'>): Promise<ResolveResult> {
  const records = await findRecords(db, namespace, cmd.ids);
  const idOf = (r: DlqPosition) => formatDlqId({ ...r, topic: namespace.logical(r.topic) });
  const resolved = records.filter((r) => r.status !== 'open').map((r) => ({ id: idOf(r), status: r.status }));
  if (resolved.length > 0) throw bad(`already resolved: ${resolved.map((r) => `${r.id} (${r.status})`).join(', ')}`, { resolved });
  const { id } = await recordOperatorAction(db, { kind: 'discard', actor: cmd.actor, reason: cmd.reason, selection: { ids: records.map(idOf) }, records: records.map(actionRecord) });
  await resolveDlqEntries(db, { positions: records, status: 'discarded', actionId: id });
  return { action: 'discard', dryRun: false, ids: records.map(idOf), skipped: [], actionId: id };
}

export function formatResolved(result: ResolveResult): string {
  const verb = result.action === 'redrive' ? 'redriven' : 'discarded';
  const skipped = result.skipped.map((s) => `skipped ${s.id}: ${s.reason}`);
  if (result.ids.length === 0) return ['nothing to do: no entry matches', ...skipped].join('\n');
  const head = result.dryRun ? `dry run: ${result.ids.length} entr${result.ids.length === 1 ? 'y' : 'ies'} would be ${verb}` : `${result.ids.length} entr${result.ids.length === 1 ? 'y' : 'ies'} ${verb} (operator action #${result.actionId})`;
  return [head, ...result.ids.map((id) => `  ${id}`), ...skipped].join('\n');
}
