import { MlcError, toMlcError } from '@mlc/errors';
import type { DlqRow } from './records.js';
import type { Db } from './store.js';

// DLQ entries as operators see them (`mlc dlq`): listed, shown with the original record, and
// resolved (redriven or discarded) by an operator action.

export const DLQ_STATUSES = ['open', 'redriven', 'discarded'] as const;
export type DlqStatus = (typeof DLQ_STATUSES)[number];

/** Where an entry is in its DLQ topic: its stable id. */
export interface DlqPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** `<topic>:<partition>:<offset>`; Kafka topic names cannot contain `:`. */
export function formatDlqId({ topic, partition, offset }: DlqPosition): string {
  return `${topic}:${partition}:${offset}`;
}

/** The position an id names, or MLC_CONFIG_INVALID. */
export function parseDlqId(id: string): DlqPosition {
  const match = /^([a-zA-Z0-9._-]+):(\d{1,9}):(\d{1,19})$/.exec(id);
  if (match === null) {
    throw new MlcError('MLC_CONFIG_INVALID', `"${id}" is not a DLQ entry id (<topic>:<partition>:<offset>, as \`mlc dlq list\` prints)`, { context: { id } });
  }
  return { topic: match[1]!, partition: Number(match[2]), offset: match[3]! };
}

export interface DlqFilter {
  /** The writer (or source service) that gave up: the DLQ topic's component, e.g. `coupa-writer`. */
  component?: string | undefined;
  errorCode?: string | undefined;
  connection?: string | undefined;
  /** Kafka record time of the DLQ record, inclusive. */
  since?: Date | undefined;
  /** Default: every status. */
  status?: DlqStatus | undefined;
  /** Continue after this entry (keyset paging): the last one of the previous page. */
  after?: (DlqPosition & { kafkaTs: string }) | undefined;
  limit: number;
}

/** An entry as stored (the row audit wrote) with what operators decided about it. */
export interface DlqEntry extends Omit<DlqRow, 'originalKey' | 'originalValue' | 'originalHeaders'> {
  status: DlqStatus;
  resolvedActionId: string | null;
  resolvedAt: string | null;
}

/** An entry with the original record's bytes and headers, as the writer received them. */
export interface DlqRecord extends DlqEntry, Pick<DlqRow, 'originalKey' | 'originalValue'> {
  originalHeaders: Record<string, string | string[]>;
}

const US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const ENTRY_COLUMNS = `
  topic, kafka_partition as partition, kafka_offset::text as offset,
  to_char(kafka_ts at time zone 'UTC', ${US}) as "kafkaTs", component, error_code as "errorCode",
  error_message as "errorMessage", retriable, dlq_group as "group", source_topic as "sourceTopic",
  source_partition as "sourcePartition", source_offset::text as "sourceOffset", attempts,
  to_char(dead_lettered_at at time zone 'UTC', ${US}) as "deadLetteredAt", event_id as "eventId",
  connection, entity_type as "entityType", entity_key as "entityKey", correlation_id as "correlationId",
  status, resolved_action_id::text as "resolvedActionId", to_char(resolved_at at time zone 'UTC', ${US}) as "resolvedAt"`;

/** Entries in DLQ time order, narrowed by every given filter. */
export async function listDlq(db: Pick<Db, 'query'>, filter: DlqFilter): Promise<DlqEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, op: string, value: unknown) => {
    params.push(value);
    where.push(`${column} ${op} $${params.length}`);
  };
  if (filter.component !== undefined) add('component', '=', filter.component);
  if (filter.errorCode !== undefined) add('error_code', '=', filter.errorCode);
  if (filter.connection !== undefined) add('connection', '=', filter.connection);
  if (filter.since !== undefined) add('kafka_ts', '>=', filter.since.toISOString());
  if (filter.status !== undefined) add('status', '=', filter.status);
  if (filter.after !== undefined) {
    const { kafkaTs, topic, partition, offset } = filter.after;
    params.push(kafkaTs, topic, partition, offset);
    const n = params.length;
    where.push(`(kafka_ts, topic, kafka_partition, kafka_offset) > ($${n - 3}::timestamptz, $${n - 2}::text, $${n - 1}::int, $${n}::bigint)`);
  }
  params.push(filter.limit);
  const sql = `select ${ENTRY_COLUMNS} from audit_dlq ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
    order by kafka_ts, topic, kafka_partition, kafka_offset limit $${params.length}`;
  try {
    return (await db.query<DlqEntry>(sql, params)).rows;
  } catch (error) {
    throw toMlcError(error, { call: 'list dlq' });
  }
}

/** The entries at these positions, with their originals, in the order asked; missing ones are left out. */
export async function getDlqRecords(db: Pick<Db, 'query'>, positions: readonly DlqPosition[]): Promise<DlqRecord[]> {
  if (positions.length === 0) return [];
  try {
    const { rows } = await db.query<DlqRecord & { ord: number }>(
      `select ${ENTRY_COLUMNS}, original_key as "originalKey", original_value as "originalValue", original_headers as "originalHeaders", p.ord
       from unnest($1::text[], $2::int[], $3::bigint[]) with ordinality as p(p_topic, p_part, p_off, ord)
       join audit_dlq d on d.topic = p.p_topic and d.kafka_partition = p.p_part and d.kafka_offset = p.p_off
       order by p.ord`,
      [positions.map((p) => p.topic), positions.map((p) => p.partition), positions.map((p) => p.offset)],
    );
    return rows.map(({ ord: _ord, ...row }) => row);
  } catch (error) {
    throw toMlcError(error, { call: 'get dlq records' });
  }
}

/**
 * Marks open entries resolved by an operator action; entries already resolved are left as they
 * are (two operators acting at once: the first wins). Returns the positions it marked.
 */
export async function resolveDlqEntries(
  db: Pick<Db, 'query'>,
  { positions, status, actionId }: { positions: readonly DlqPosition[]; status: Exclude<DlqStatus, 'open'>; actionId: string },
): Promise<DlqPosition[]> {
  if (positions.length === 0) return [];
  try {
    const { rows } = await db.query<DlqPosition>(
      `update audit_dlq d set status = $4, resolved_action_id = $5, resolved_at = now()
       from unnest($1::text[], $2::int[], $3::bigint[]) as p(topic, part, off)
       where d.topic = p.topic and d.kafka_partition = p.part and d.kafka_offset = p.off and d.status = 'open'
       returning d.topic, d.kafka_partition as partition, d.kafka_offset::text as offset`,
      [positions.map((p) => p.topic), positions.map((p) => p.partition), positions.map((p) => p.offset), status, actionId],
    );
    return rows;
  } catch (error) {
    throw toMlcError(error, { call: 'resolve dlq entries', status });
  }
}
