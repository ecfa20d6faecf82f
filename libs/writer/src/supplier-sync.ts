import type { SupplierFieldGroup, SyncSettings } from '@mlc/config';
import { coalesce, isRefusedData, unnestColumns } from '@mlc/db';
import { toDbError } from '@mlc/errors';
import { contentHashOf, type Source, type SupplierData, type SupplierEvent } from '@mlc/events';
import type { ForceOption, WriteResult } from './write-path.js';
import {
  rememberSql,
  TARGET_RECORD_COLUMNS,
  refValues,
  rememberedValues,
  targetRefFor,
  toTargetRecord,
  type Queryable,
  type RememberedWrite,
  type TargetRecord,
  type TargetRecordRow,
  type TargetRef,
} from './target-records.js';

// Two-way supplier sync: echoes, field ownership, conflicts. The pure plan decides from the event
// and the record's sync state; `createSupplierSync` is the shell every supplier writer calls.

/** The canonical supplier's leaf fields, the unit of comparison (ownership is per group: the part before the dot). */
export const SUPPLIER_LEAVES = [
  'name',
  'status',
  'currency',
  'paymentTerms',
  'taxId',
  'contact.name',
  'contact.email',
  'contact.phone',
  'address.lines',
  'address.city',
  'address.region',
  'address.postalCode',
  'address.country',
  'bank.accountName',
  'bank.accountNumber',
  'bank.bankCode',
  'bank.iban',
] as const;
export type SupplierLeaf = (typeof SUPPLIER_LEAVES)[number];

const NOT_BANK = SUPPLIER_LEAVES.filter((leaf) => !leaf.startsWith('bank.'));

/**
 * What each source's supplier events carry, as its reader maps it (libs/<vendor> to-canonical):
 * SYSPRO's ApSupplier row has no bank columns we read; Coupa's call-out has neither currency (the
 * writer never sends one) nor bank details; M3's CIDMAS gives the phone and country only of the
 * contact and address.
 */
export const SUPPLIER_LEAVES_READ: Readonly<Record<Source, readonly SupplierLeaf[]>> = {
  syspro: NOT_BANK,
  coupa: NOT_BANK.filter((leaf) => leaf !== 'currency'),
  infor: ['name', 'status', 'currency', 'paymentTerms', 'taxId', 'contact.phone', 'address.country'],
};

export function groupOf(leaf: SupplierLeaf): SupplierFieldGroup {
  return leaf.split('.')[0] as SupplierFieldGroup;
}

/**
 * What was last synced of one leaf: the hash of its value and the source's change time of it.
 * `by`: the event writing it, recorded before the target is called (the target's echo may come
 * back before the write returns); gone once the write succeeded.
 */
export interface SyncedLeaf {
  h: string;
  at: string;
  by?: string;
}
/** The sync state of one record: per leaf, the value both systems were last left agreeing on. */
export type SyncState = Partial<Record<SupplierLeaf, SyncedLeaf>>;

export type SupplierRules = SyncSettings['supplier'];
type Side = 'erp' | 'coupa';

export type SupplierSyncPlan =
  | { action: 'write'; groups: SupplierFieldGroup[]; synced: SyncState; reason?: string }
  | { action: 'echo' | 'skipped'; reason: string };

function leafValue(data: SupplierData, leaf: SupplierLeaf): unknown {
  const [group, field] = leaf.split('.') as [keyof SupplierData, string | undefined];
  const value = data[group];
  if (field === undefined) return value;
  return value === undefined ? undefined : (value as Record<string, unknown>)[field];
}

// One hash per leaf of an event's data, however often the admission plans it (first sync, then on the state read).
const leafHashes = new WeakMap<SupplierData, Map<SupplierLeaf, string>>();

/** Hash of a leaf's value; absent and empty are the same (systems differ on which they store). */
export function leafHash(data: SupplierData, leaf: SupplierLeaf): string {
  let hashes = leafHashes.get(data);
  if (hashes === undefined) leafHashes.set(data, (hashes = new Map()));
  let hash = hashes.get(leaf);
  if (hash === undefined) {
    const value = leafValue(data, leaf);
    const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
    hashes.set(leaf, (hash = contentHashOf(empty ? null : value)));
  }
  return hash;
}

const sideOf = (source: Source): Side => (source === 'coupa' ? 'coupa' : 'erp');
const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/**
 * The leaves compared and written in one direction: those the sender's events carry and the
 * target's writer writes, bank details only where `bankDirections` allows it. Content hashes of
 * whole records differ between systems (SYSPRO has a currency, Coupa does not), so echoes are
 * recognised on this projection, leaf by leaf.
 */
export function syncedLeaves(source: Source, writes: readonly SupplierLeaf[], rules: SupplierRules): SupplierLeaf[] {
  const sender = sideOf(source);
  const bankAllowed = rules.bankDirections.includes(sender === 'erp' ? 'erp-to-coupa' : 'coupa-to-erp');
  return SUPPLIER_LEAVES_READ[source].filter((leaf) => writes.includes(leaf)).concat(bankAllowed ? writes.filter((l) => l.startsWith('bank.')) : []);
}

export interface PlanParams {
  event: Pick<SupplierEvent, 'id' | 'source' | 'data' | 'occurredAt'>;
  /** The record's sync state; undefined: never synced (the first write carries every group). */
  state: SyncState | undefined;
  rules: SupplierRules;
  /** Leaves the target's writer writes. */
  writes: readonly SupplierLeaf[];
  /** An operator's forced replay: write every group the sender may write, changed or not. */
  force?: boolean;
}

/**
 * What to write of one supplier event to the other side (pure). Compared on the synced leaves:
 * nothing changed since the last sync is the echo of our own write; a changed group is written
 * when its sender owns it, or when either side may and this change is not older than the one last
 * synced for it (the conflict goes to the newer change by the source's time); a group owned by the
 * other side is left out. The outcome's reason names what was left out and why.
 */
export function planSupplierSync({ event, state: given, rules, writes, force = false }: PlanParams): SupplierSyncPlan {
  const sender = sideOf(event.source);
  // Leaves this very event recorded before a write that did not finish are not synced: its retry writes them.
  const state = given && (Object.fromEntries(Object.entries(given).filter(([, leaf]) => leaf.by !== event.id)) as SyncState);
  const leaves = syncedLeaves(event.source, writes, rules);
  const entry = (leaf: SupplierLeaf): [SupplierLeaf, SyncedLeaf] => [leaf, { h: leafHash(event.data, leaf), at: event.occurredAt }];
  const writing = (groups: SupplierFieldGroup[], reason?: string): SupplierSyncPlan => ({
    action: 'write',
    groups,
    synced: Object.fromEntries(leaves.filter((leaf) => groups.includes(groupOf(leaf))).map(entry)),
    ...(reason === undefined ? {} : { reason }),
  });
  const mayWrite = (group: SupplierFieldGroup) => rules.owners[group] === sender || rules.owners[group] === 'either';

  if (state === undefined) return writing(unique(leaves.map(groupOf)));
  if (force) return writing(unique(leaves.map(groupOf)).filter(mayWrite));

  const changed = leaves.filter((leaf) => state[leaf]?.h !== leafHash(event.data, leaf));
  if (changed.length === 0) return { action: 'echo', reason: `echo: ${leaves.length} synced fields as last synced` };

  const write: SupplierFieldGroup[] = [];
  const notOwned: SupplierFieldGroup[] = [];
  const older: string[] = [];
  const at = new Date(event.occurredAt).getTime();
  for (const group of unique(changed.map(groupOf))) {
    if (!mayWrite(group)) notOwned.push(group);
    else if (rules.owners[group] === sender) write.push(group);
    else {
      const last = Math.max(...changed.filter((leaf) => groupOf(leaf) === group).map((leaf) => Date.parse(state[leaf]?.at ?? '') || 0));
      if (at < last) older.push(`${group} (the other side's change of ${new Date(last).toISOString()} is newer)`);
      else write.push(group);
    }
  }
  const reasons = [
    ...(notOwned.length > 0 ? [`not owned by ${sender}: ${notOwned.join(', ')}`] : []),
    ...(older.length > 0 ? [`conflict lost: ${older.join(', ')}`] : []),
  ];
  if (write.length === 0) return { action: 'skipped', reason: reasons.join('; ') };
  return writing(write, reasons.length > 0 ? `wrote ${write.join(', ')}; ${reasons.join('; ')}` : undefined);
}

/** The supplier as a target gets it: groups left out are removed (bank always, unless written). */
export function supplierWithGroups(data: SupplierData, groups: readonly SupplierFieldGroup[]): SupplierData {
  const { bank, ...rest } = data;
  return groups.includes('bank') && bank !== undefined ? { ...rest, bank } : rest;
}

/** The two systems a sync state is about, in one order whatever the direction: `coupa|syspro`. */
export function systemPair(a: string, b: string): string {
  return [a, b].sort().join('|');
}

/** What `SyncStateStore.open` read before a write: the target record, the pair's state, and whether the claim was recorded. */
export interface OpenedSync {
  record: TargetRecord | undefined;
  /** The pair's state as it was before this statement; undefined when there was none (then `claimed`, usually). */
  state: SyncState | undefined;
  /** The pair had no state: `claim` is now its state. */
  claimed: boolean;
}

export interface SyncStateStore {
  /** What the pair of `systems` (see `systemPair`) last agreed on for the record. */
  get(connection: string, naturalKey: string, systems: string): Promise<SyncState | undefined>;
  /** Merges leaves into the pair's state of the record (other leaves, perhaps just written by the other direction, are kept). */
  merge(connection: string, naturalKey: string, systems: string, leaves: SyncState): Promise<void>;
  /**
   * One round trip before a write: the target record `ref` and the pair's state of it; when the
   * pair has no state yet, `claim` (what a first sync of the record writes, pending) is recorded
   * as its state in the same statement.
   */
  open(ref: TargetRef, systems: string, claim: SyncState): Promise<OpenedSync>;
  /** One round trip after a write: what was written (as `TargetRecordStore.remember`) and the leaves it synced, in one statement. */
  remember(ref: TargetRef, written: RememberedWrite, systems: string, leaves: SyncState): Promise<void>;
}

const STATE_KEY = `connection = $1 and entity_type = 'supplier' and natural_key = $2 and systems = $3`;
const GET_STATE_SQL = `select fields from mlc_sync_state where ${STATE_KEY}`;
/** Merges the rows of `source` (connection, 'supplier', natural key, systems, fields jsonb) into their states (jsonb `||`: leaves not named are kept). */
const mergeStateSql = (source: string) =>
  `insert into mlc_sync_state (connection, entity_type, natural_key, systems, fields) ${source}
           on conflict (connection, entity_type, natural_key, systems) do update set fields = mlc_sync_state.fields || excluded.fields, updated_at = now()`;

// The statements below each serve the calls of concurrently handled records at once (`coalesce`):
// one row per call in `unnest` arrays, in the order of `n`. The states (jsonb) come as one JSON
// array, not as a text array of JSON documents: pg escapes every quote of those for the array
// literal, which took 4.7 % of a writer's CPU in a backfill (tools/bench/README.md, seventh look). Rows are written in key order, so two
// writers' statements lock shared rows (a pair's state) in the same order.
const BY_STATE_KEY = 'order by connection, natural_key, systems';
/** The elements of a JSON array parameter as a jsonb[], in their order, to `unnest` beside the other columns. */
const jsonbElements = (param: string) => `array(select e from jsonb_array_elements(${param}::jsonb) with ordinality as a(e, k) order by k)`;

// $1–$4 the target records (their connection and natural key are the states' too), $5 the pairs, $6 the claims (one JSON array). The
// states are read from the statement's snapshot, before the claims; a pair another direction created meanwhile is neither
// read nor claimed (claimed false, state undefined): the caller then merges, as for a pair without state.
const OPEN_SQL = `with input as (
             select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], ${jsonbElements('$6')})
               with ordinality as i(connection, target_system, entity_type, natural_key, systems, claim, n)),
           claimed as (
             insert into mlc_sync_state (connection, entity_type, natural_key, systems, fields)
               select connection, 'supplier', natural_key, systems, claim from input ${BY_STATE_KEY}
             on conflict (connection, entity_type, natural_key, systems) do nothing returning connection, natural_key, systems)
           select s.fields, c.systems is not null as claimed, ${TARGET_RECORD_COLUMNS.split(', ').map((column) => `t.${column}`).join(', ')}
             from input i
             left join mlc_sync_state s on s.connection = i.connection and s.entity_type = 'supplier' and s.natural_key = i.natural_key and s.systems = i.systems
             left join claimed c on c.connection = i.connection and c.natural_key = i.natural_key and c.systems = i.systems
             left join mlc_target_records t
               on t.connection = i.connection and t.target_system = i.target_system and t.entity_type = i.entity_type and t.natural_key = i.natural_key
            order by i.n`;
// The writes and their synced leaves together: $1–$8 the columns of REMEMBER_SQL, $9 the pairs, $10 the leaves (one JSON array).
const REMEMBER_WITH_STATE_SQL = `with input as (
             select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], ${jsonbElements('$10')})
               as i(connection, target_system, entity_type, natural_key, target_id, content_hash, source_time, event_id, systems, fields)),
           remembered as (${rememberSql(`select connection, target_system, entity_type, natural_key, target_id, content_hash, source_time, event_id from input order by connection, target_system, entity_type, natural_key`)})
           ${mergeStateSql(`select connection, 'supplier', natural_key, systems, fields from input ${BY_STATE_KEY}`)}`;
// $1–$4: connections, natural keys, pairs, leaves (one JSON array).
const MERGE_STATE_SQL = mergeStateSql(`select connection, 'supplier', natural_key, systems, fields
             from unnest($1::text[], $2::text[], $3::text[], ${jsonbElements('$4')}) as i(connection, natural_key, systems, fields) ${BY_STATE_KEY}`);

// A record's target record and states have the connection and natural key in their keys: calls about one record take turns.
const recordKey = (connection: string, naturalKey: string) => `${connection}\u0000${naturalKey}`;
// A statement PostgreSQL refused for one record's data (a NUL in a key, say) is run again per record: only that one fails.
interface OpenCall {
  ref: TargetRef;
  systems: string;
  claim: SyncState;
}
interface RememberCall {
  ref: TargetRef;
  written: RememberedWrite;
  systems: string;
  leaves: SyncState;
}
interface MergeCall {
  connection: string;
  naturalKey: string;
  systems: string;
  leaves: SyncState;
}
type OpenRow = { fields: SyncState | null; claimed: boolean } & (TargetRecordRow | { [K in keyof TargetRecordRow]: null });

/**
 * The sync state on PostgreSQL. `open`, `remember` and `merge` of records handled at the same time
 * (the runtime's key concurrency) share one statement each; a statement that fails fails each of
 * its calls, each with its own record in the error's context (one refused for the data of a record
 * is first run again per record, so that only the faulty record fails).
 */
export function createSyncStateStore({ db }: { db: Queryable }): SyncStateStore {
  const open = coalesce(
    async (calls: readonly OpenCall[]) => {
      const { rows } = await db.query<OpenRow>({
        name: 'mlc_sync_state_open',
        text: OPEN_SQL,
        values: [...unnestColumns(calls, ({ ref, systems }) => [...refValues(ref), systems]), JSON.stringify(calls.map((c) => c.claim))],
      });
      return rows.map((row): OpenedSync => ({ record: row.content_hash === null ? undefined : toTargetRecord(row as TargetRecordRow), state: row.fields ?? undefined, claimed: row.claimed }));
    },
    { keyOf: ({ ref }) => recordKey(ref.connection, ref.naturalKey), alone: isRefusedData },
  );
  const remember = coalesce(
    async (calls: readonly RememberCall[]) => {
      await db.query({
        name: 'mlc_sync_state_remember',
        text: REMEMBER_WITH_STATE_SQL,
        values: [...unnestColumns(calls, ({ ref, written, systems }) => [...refValues(ref), ...rememberedValues(written), systems]), JSON.stringify(calls.map((c) => c.leaves))],
      });
      return calls.map(() => undefined);
    },
    { keyOf: ({ ref }) => recordKey(ref.connection, ref.naturalKey), alone: isRefusedData },
  );
  const merge = coalesce(
    async (calls: readonly MergeCall[]) => {
      await db.query({
        name: 'mlc_sync_state_merge',
        text: MERGE_STATE_SQL,
        values: [...unnestColumns(calls, ({ connection, naturalKey, systems }) => [connection, naturalKey, systems]), JSON.stringify(calls.map((c) => c.leaves))],
      });
      return calls.map(() => undefined);
    },
    { keyOf: ({ connection, naturalKey }) => recordKey(connection, naturalKey), alone: isRefusedData },
  );
  return {
    async get(connection, naturalKey, systems) {
      try {
        const { rows } = await db.query<{ fields: SyncState }>({ name: 'mlc_sync_state_get', text: GET_STATE_SQL, values: [connection, naturalKey, systems] });
        return rows[0]?.fields;
      } catch (error) {
        throw toDbError(error, { connection, naturalKey, systems, operation: 'read sync state' });
      }
    },
    async merge(connection, naturalKey, systems, leaves) {
      try {
        await merge({ connection, naturalKey, systems, leaves });
      } catch (error) {
        throw toDbError(error, { connection, naturalKey, systems, operation: 'write sync state' });
      }
    },
    async open(ref, systems, claim) {
      try {
        return await open({ ref, systems, claim });
      } catch (error) {
        throw toDbError(error, { ...ref, systems, operation: 'read target record and sync state' });
      }
    },
    async remember(ref, written, systems, leaves) {
      try {
        await remember({ ref, written, systems, leaves });
      } catch (error) {
        throw toDbError(error, { ...ref, systems, operation: 'write target record and sync state' });
      }
    },
  };
}

/** A supplier event let through to the target: what to write of it, and how to settle its result. */
export interface SupplierAdmitted {
  write: true;
  /** Field groups to write on an update; a create writes the whole of `data`. */
  groups: readonly SupplierFieldGroup[];
  /** The event's data as this direction may send it (bank details removed unless allowed and written). */
  data: SupplierData;
  /** The target record the admission read: pass it to the upsert (`previous`), so the record is read once per handling. */
  previous: TargetRecord | undefined;
  /**
   * Records the write with the leaves it synced, in one statement: pass it to the upsert
   * (`remember`), so the target record and the sync state are written in one round trip.
   */
  remember(ref: TargetRef, written: RememberedWrite): Promise<void>;
  /** Records what was written as synced (the call returned; unless `remember` did already), and puts the reason on the result. */
  settle(result: WriteResult): Promise<WriteResult>;
}
export type SupplierAdmission = (event: SupplierEvent, replay?: ForceOption) => Promise<SupplierAdmitted | { write: false; result: WriteResult }>;

export interface SupplierSyncParams {
  /** The target system written (`coupa`, `syspro`, `infor`). */
  system: string;
  /** Reads the target record with the sync state (`open`) and writes them together (`remember`). */
  state: SyncStateStore;
  rules: SupplierRules;
  writes: readonly SupplierLeaf[];
}

/** Synced leaves marked as recorded by `eventId` before its write (its echo may come back before the call returns). */
function pendingBy(synced: SyncState, eventId: string): SyncState {
  return Object.fromEntries(Object.entries(synced).map(([leaf, leafState]) => [leaf, { ...leafState, by: eventId }]));
}

/**
 * The admission every supplier writer calls before its upsert: the plan above on the record's
 * sync state. A redelivery of what this writer last wrote (same content hash) is let through
 * whole, so the write path answers it `unchanged` as before (or rewrites it when forced).
 *
 * Round trips: the target record and the state are read in one statement, which also records a
 * first sync's pending leaves when the pair has no state yet (a new record: nothing else to
 * decide); otherwise the pending leaves are merged in a second. After the call, `remember` writes
 * the target record and the synced leaves in one.
 */
export function createSupplierSync({ system, state, rules, writes }: SupplierSyncParams): SupplierAdmission {
  return async (event, replay) => {
    const force = replay?.force === true;
    const ref = targetRefFor(event, system);
    // What this source and this target last agreed on; a third system's sync is another pair's.
    const systems = systemPair(event.source, system);
    // Without state the plan writes every group, whatever else (force included): claimed as it is if the pair has none.
    const first = planSupplierSync({ event, state: undefined, rules, writes });
    const opened = await state.open(ref, systems, first.action === 'write' ? pendingBy(first.synced, event.id) : {});
    const previous = opened.record;
    const unsynced = opened.claimed || opened.state === undefined || previous?.contentHash === event.contentHash;
    const plan = unsynced ? first : planSupplierSync({ event, state: opened.state, rules, writes, force });
    if (plan.action !== 'write') return { write: false, result: { status: plan.action, target: { system }, reason: plan.reason } };
    // Recorded before the target is called: its echo (a call-out, a poll) may arrive before the call returns.
    if (!opened.claimed) await state.merge(event.connection, event.entity.key, systems, pendingBy(plan.synced, event.id));
    let remembered = false;
    return {
      write: true,
      previous,
      groups: plan.groups,
      data: supplierWithGroups(event.data, plan.groups),
      async remember(target, written) {
        await state.remember(target, written, systems, plan.synced);
        remembered = true;
      },
      async settle(result) {
        if (!remembered) await state.merge(event.connection, event.entity.key, systems, plan.synced);
        return plan.reason === undefined ? result : { ...result, reason: plan.reason };
      },
    };
  };
}
