import type { SupplierFieldGroup, SyncSettings } from '@mlc/config';
import { toDbError } from '@mlc/errors';
import { contentHashOf, type Source, type SupplierData, type SupplierEvent } from '@mlc/events';
import type { ForceOption, WriteResult } from './write-path.js';
import { targetRefFor, type Queryable, type TargetRecord, type TargetRecordStore } from './target-records.js';

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

/** Hash of a leaf's value; absent and empty are the same (systems differ on which they store). */
export function leafHash(data: SupplierData, leaf: SupplierLeaf): string {
  const value = leafValue(data, leaf);
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
  return contentHashOf(empty ? null : value);
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

export interface SyncStateStore {
  /** What the pair of `systems` (see `systemPair`) last agreed on for the record. */
  get(connection: string, naturalKey: string, systems: string): Promise<SyncState | undefined>;
  /** Merges leaves into the pair's state of the record (other leaves, perhaps just written by the other direction, are kept). */
  merge(connection: string, naturalKey: string, systems: string, leaves: SyncState): Promise<void>;
}

export function createSyncStateStore({ db }: { db: Queryable }): SyncStateStore {
  return {
    async get(connection, naturalKey, systems) {
      try {
        const { rows } = await db.query<{ fields: SyncState }>(
          `select fields from mlc_sync_state where connection = $1 and entity_type = 'supplier' and natural_key = $2 and systems = $3`,
          [connection, naturalKey, systems],
        );
        return rows[0]?.fields;
      } catch (error) {
        throw toDbError(error, { connection, naturalKey, systems, operation: 'read sync state' });
      }
    },
    async merge(connection, naturalKey, systems, leaves) {
      try {
        await db.query(
          `insert into mlc_sync_state (connection, entity_type, natural_key, systems, fields) values ($1, 'supplier', $2, $3, $4::jsonb)
           on conflict (connection, entity_type, natural_key, systems) do update set fields = mlc_sync_state.fields || excluded.fields, updated_at = now()`,
          [connection, naturalKey, systems, JSON.stringify(leaves)],
        );
      } catch (error) {
        throw toDbError(error, { connection, naturalKey, systems, operation: 'write sync state' });
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
  /** Records what was written as synced (the call returned), and puts the reason on the result. */
  settle(result: WriteResult): Promise<WriteResult>;
}
export type SupplierAdmission = (event: SupplierEvent, replay?: ForceOption) => Promise<SupplierAdmitted | { write: false; result: WriteResult }>;

export interface SupplierSyncParams {
  /** The target system written (`coupa`, `syspro`, `infor`). */
  system: string;
  records: Pick<TargetRecordStore, 'get'>;
  state: SyncStateStore;
  rules: SupplierRules;
  writes: readonly SupplierLeaf[];
}

/**
 * The admission every supplier writer calls before its upsert: the plan above on the record's
 * sync state. A redelivery of what this writer last wrote (same content hash) is let through
 * whole, so the write path answers it `unchanged` as before (or rewrites it when forced).
 */
export function createSupplierSync({ system, records, state, rules, writes }: SupplierSyncParams): SupplierAdmission {
  return async (event, replay) => {
    const force = replay?.force === true;
    const previous = await records.get(targetRefFor(event, system));
    // What this source and this target last agreed on; a third system's sync is another pair's.
    const systems = systemPair(event.source, system);
    const current = await state.get(event.connection, event.entity.key, systems);
    const plan = planSupplierSync({ event, state: previous?.contentHash === event.contentHash ? undefined : current, rules, writes, force });
    if (plan.action !== 'write') return { write: false, result: { status: plan.action, target: { system }, reason: plan.reason } };
    // Recorded before the target is called: its echo (a call-out, a poll) may arrive before the call returns.
    const pending = Object.fromEntries(Object.entries(plan.synced).map(([leaf, synced]) => [leaf, { ...synced, by: event.id }]));
    await state.merge(event.connection, event.entity.key, systems, pending);
    return {
      write: true,
      previous,
      groups: plan.groups,
      data: supplierWithGroups(event.data, plan.groups),
      async settle(result) {
        await state.merge(event.connection, event.entity.key, systems, plan.synced);
        return plan.reason === undefined ? result : { ...result, reason: plan.reason };
      },
    };
  };
}
