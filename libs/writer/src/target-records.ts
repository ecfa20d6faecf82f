import { coalesce, unnestColumns, type Queryable } from '@mlc/db';
import { toDbError } from '@mlc/errors';
import type { CanonicalEvent } from '@mlc/events';

export type { NamedStatement, Queryable } from '@mlc/db';

export interface TargetRef {
  connection: string;
  targetSystem: string;
  entityType: string;
  naturalKey: string;
}

export interface TargetRecord {
  targetId: string | null;
  contentHash: string;
  sourceTime: Date;
  eventId: string;
  writtenAt: Date;
}

/** What a write leaves to remember of a record. */
export interface RememberedWrite {
  targetId: string | null;
  contentHash: string;
  sourceTime: string | Date;
  eventId: string;
}

export interface TargetRecordStore {
  get(ref: TargetRef): Promise<TargetRecord | undefined>;
  /** Records what was written; never moves a record back to an older source time. */
  remember(ref: TargetRef, written: RememberedWrite): Promise<void>;
}

export const TARGET_RECORDS_MIGRATIONS = new URL('../migrations/', import.meta.url);

/** The columns of a target record, as `TargetRecordRow` (for statements that read it with other things). */
export const TARGET_RECORD_COLUMNS = 'target_id, content_hash, source_time, event_id, written_at';
export interface TargetRecordRow {
  target_id: string | null;
  content_hash: string;
  source_time: Date;
  event_id: string;
  written_at: Date;
}
export const toTargetRecord = (row: TargetRecordRow): TargetRecord => ({
  targetId: row.target_id,
  contentHash: row.content_hash,
  sourceTime: row.source_time,
  eventId: row.event_id,
  writtenAt: row.written_at,
});

/** Where clause of one record, `$1`–`$4` (`refValues`). */
export const TARGET_RECORD_KEY = 'connection = $1 and target_system = $2 and entity_type = $3 and natural_key = $4';
export const refValues = (ref: TargetRef): unknown[] => [ref.connection, ref.targetSystem, ref.entityType, ref.naturalKey];

/**
 * Records writes: the rows of `source` (the columns of `mlc_target_records` up to `event_id`, in
 * order). Never moves a record back to an older source time; a null target id keeps the known one.
 * A statement of its own or a CTE of a larger one (the supplier sync's).
 */
export const rememberSql = (source: string) => `insert into mlc_target_records (connection, target_system, entity_type, natural_key, target_id, content_hash, source_time, event_id)
           ${source}
           on conflict (connection, target_system, entity_type, natural_key) do update
             set target_id = coalesce(excluded.target_id, mlc_target_records.target_id),
                 content_hash = excluded.content_hash, source_time = excluded.source_time,
                 event_id = excluded.event_id, written_at = now()
             where mlc_target_records.source_time <= excluded.source_time`;
/** Records one write: `$1`–`$4` the record (`refValues`), `$5`–`$8` what was written (`rememberedValues`). */
export const REMEMBER_SQL = rememberSql('values ($1, $2, $3, $4, $5, $6, $7, $8)');
export const rememberedValues = (written: RememberedWrite): unknown[] => [written.targetId, written.contentHash, written.sourceTime, written.eventId];

const GET_SQL = `select ${TARGET_RECORD_COLUMNS} from mlc_target_records where ${TARGET_RECORD_KEY}`;
// The records asked for at the same moment, in one statement: `n` is each one's position.
const GET_MANY_SQL = `select r.n, ${TARGET_RECORD_COLUMNS
  .split(', ')
  .map((c) => `t.${c}`)
  .join(', ')}
  from unnest($1::text[], $2::text[], $3::text[], $4::text[]) with ordinality as r(connection, target_system, entity_type, natural_key, n)
  join mlc_target_records t on t.connection = r.connection and t.target_system = r.target_system and t.entity_type = r.entity_type and t.natural_key = r.natural_key`;

export function createTargetRecordStore({ db }: { db: Queryable }): TargetRecordStore {
  // Records asked for at the same moment (call-outs a gateway handles at once, records a writer
  // handles side by side) share one statement; one alone is the named single-row statement.
  const getMany = coalesce(async (refs: readonly TargetRef[]): Promise<Array<TargetRecord | undefined>> => {
    if (refs.length === 1) {
      const { rows } = await db.query<TargetRecordRow>({ name: 'mlc_target_record_get', text: GET_SQL, values: refValues(refs[0]!) });
      return [rows[0] ? toTargetRecord(rows[0]) : undefined];
    }
    const { rows } = await db.query<TargetRecordRow & { n: string }>({ name: 'mlc_target_record_get_many', text: GET_MANY_SQL, values: unnestColumns(refs, refValues) });
    const found: Array<TargetRecord | undefined> = refs.map(() => undefined);
    for (const row of rows) found[Number(row.n) - 1] = toTargetRecord(row);
    return found;
  });
  return {
    async get(ref) {
      try {
        return await getMany(ref);
      } catch (error) {
        throw toDbError(error, { ...ref, operation: 'read target record' });
      }
    },
    async remember(ref, written) {
      try {
        await db.query({ name: 'mlc_target_record_remember', text: REMEMBER_SQL, values: [...refValues(ref), ...rememberedValues(written)] });
      } catch (error) {
        throw toDbError(error, { ...ref, operation: 'write target record' });
      }
    },
  };
}

export type WriteDecision =
  | { action: 'write'; previous: TargetRecord | undefined }
  | { action: 'unchanged'; previous: TargetRecord }
  | { action: 'stale'; previous: TargetRecord };

/**
 * Whether an event still needs writing to the target (pure). The same content as last written is
 * unchanged, whatever its time: redeliveries and replays are harmless. An older snapshot than the
 * one written is stale: replaying last week's event must not undo today's change.
 *
 * `force` (an operator's forced replay, after a mapping or configuration fix) writes the same
 * content again, whatever its time: it equals what the target was last given from this record, so
 * rewriting it cannot undo a newer change, only apply the fixed mapping to it. It does not override
 * staleness: a forced snapshot with other content than the last written one and an older source
 * time would put old data back, so it is still skipped.
 */
export function decideWrite(event: Pick<CanonicalEvent, 'contentHash' | 'occurredAt'>, previous: TargetRecord | undefined, { force = false }: { force?: boolean } = {}): WriteDecision {
  if (!previous) return { action: 'write', previous };
  if (previous.contentHash === event.contentHash) return force ? { action: 'write', previous } : { action: 'unchanged', previous };
  if (new Date(event.occurredAt).getTime() < previous.sourceTime.getTime()) return { action: 'stale', previous };
  return { action: 'write', previous };
}

/**
 * The store key of the record an event is about, in a target system; `about` names another record
 * of the same connection instead (a PO an invoice refers to, a writer's own bookkeeping entry).
 */
export function targetRefFor(
  event: Pick<CanonicalEvent, 'connection' | 'entity'>,
  targetSystem: string,
  about: { entityType?: string; naturalKey?: string } = {},
): TargetRef {
  return { connection: event.connection, targetSystem, entityType: about.entityType ?? event.entity.type, naturalKey: about.naturalKey ?? event.entity.key };
}
