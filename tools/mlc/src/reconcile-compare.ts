import type { SyncSettings } from '@mlc/config';
import { contentHashOf, type PurchaseOrderData, type SupplierData } from '@mlc/events';
import { CENSOR, isSecretName, redactText } from '@mlc/log';
import { SUPPLIER_LEAVES_READ, groupOf } from '@mlc/writer';

// The functional core of `mlc reconcile`: both sides already mapped to canonical data by the
// vendors' own mappers; here they are projected onto what the target can hold, compared per key by
// content hash and then field by field, and each drift is given its repair. Pure.

export const RECONCILED_ENTITIES = ['supplier', 'purchase-order'] as const;
export type ReconciledEntity = (typeof RECONCILED_ENTITIES)[number];
export type DataOfReconciled<E extends ReconciledEntity> = E extends 'supplier' ? SupplierData : PurchaseOrderData;

/** A record of one side, mapped to canonical data by the vendor's mapper. */
export interface SideRecord<E extends ReconciledEntity = ReconciledEntity> {
  key: string;
  data: DataOfReconciled<E>;
}

export type DriftCategory = 'source-only' | 'target-only' | 'different';
/** What `--repair` does about a drift: republish the source's snapshot (forced), publish a deactivation, or only report. */
export type RepairAction = 'republish' | 'deactivate' | 'report';

export interface FieldDiff {
  field: string;
  /** The source's value (`null`: the source has none); masked when the field holds a secret or bank detail. */
  source: unknown;
  target: unknown;
}

export interface Drift {
  key: string;
  category: DriftCategory;
  /** For `different`: the fields that differ, with both values. */
  fields: FieldDiff[];
  repair: RepairAction;
  /** One line for people and for the audit trail: the category and the fields. */
  reason: string;
}

export interface Comparison {
  compared: { source: number; target: number };
  identical: number;
  /** In the target only, but already inactive there (a supplier deactivated after its deletion): no drift. */
  deactivated: number;
  drift: Drift[];
}

export interface CompareOptions {
  /** The connection's two-way rules: fields Coupa owns are not the ERP's to repair, so not compared. */
  sync?: SyncSettings | undefined;
  /** `mappings.coupa.reconcile.goneFromSource`. */
  goneFromSource: 'deactivate' | 'report';
}

type Leaves = Map<string, unknown>;

const blank = (value: unknown): boolean => value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
/** Decimals compare by value: SYSPRO's `10.000000` and Coupa's `10.0` are one quantity. */
const decimal = (value: string | undefined): string | undefined => (value === undefined || !Number.isFinite(Number(value)) ? value : String(Number(value)));

function leafOf(data: Record<string, unknown>, path: string): unknown {
  let value: unknown = data;
  for (const part of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return Array.isArray(value) ? value.filter((v) => !blank(v)) : value;
}

/** Supplier fields the comparison covers: what Coupa holds of a supplier, less the groups Coupa owns. */
export function supplierFields(sync: SyncSettings | undefined): string[] {
  return SUPPLIER_LEAVES_READ.coupa.filter((leaf) => sync?.supplier.owners[groupOf(leaf)] !== 'coupa');
}

function supplierLeaves(data: SupplierData, fields: readonly string[]): Leaves {
  const leaves: Leaves = new Map();
  for (const field of fields) {
    const value = leafOf(data as unknown as Record<string, unknown>, field);
    if (!blank(value)) leaves.set(field, value);
  }
  return leaves;
}

// Coupa knows fewer order states than the ERPs: open, approved, issued and received are all "issued" there.
const PO_STATE: Record<PurchaseOrderData['status'], string> = {
  draft: 'draft',
  open: 'issued',
  approved: 'issued',
  issued: 'issued',
  received: 'issued',
  closed: 'closed',
  cancelled: 'cancelled',
};

/** A purchase order as Coupa holds it: header fields the writer sends, and per line number what it writes of the line. */
function purchaseOrderLeaves(data: PurchaseOrderData): Leaves {
  const leaves: Leaves = new Map<string, unknown>([
    ['supplierNumber', data.supplierNumber],
    ['currency', data.currency],
    ['status', PO_STATE[data.status]],
  ]);
  for (const line of data.lines) {
    const at = `lines.${line.lineNumber}`;
    const fields: [string, unknown][] = [
      ['description', line.description || line.itemCode || `Line ${line.lineNumber}`],
      ['quantity', decimal(line.quantity)],
      ['unitPrice', decimal(line.unitPrice)],
      ['itemCode', line.itemCode],
      ['dueDate', line.dueDate],
    ];
    for (const [name, value] of fields) if (!blank(value)) leaves.set(`${at}.${name}`, value);
  }
  return leaves;
}

/** The leaves a comparison covers, per entity. */
export function leavesOf<E extends ReconciledEntity>(entity: E, data: DataOfReconciled<E>, options: Pick<CompareOptions, 'sync'>): Leaves {
  return entity === 'supplier' ? supplierLeaves(data as SupplierData, supplierFields(options.sync)) : purchaseOrderLeaves(data as PurchaseOrderData);
}

/** A field holding a secret or a bank detail (any segment named so) shows as `[redacted]`; other strings lose credentials in URLs. */
export function masked(field: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.split('.').some(isSecretName)) return CENSOR;
  return typeof value === 'string' ? redactText(value) : value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields whose values differ; a line one side lacks entirely is one difference (`lines.2`), not one per field. */
export function fieldDiffs(source: Leaves, target: Leaves): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const lineOf = (field: string) => /^lines\.\d+/.exec(field)?.[0];
  const lines = (leaves: Leaves) => new Set([...leaves.keys()].map(lineOf).filter((l): l is string => l !== undefined));
  const sourceLines = lines(source);
  const targetLines = lines(target);
  const wholeLine = (line: string, leaves: Leaves) => Object.fromEntries([...leaves].filter(([k]) => lineOf(k) === line).map(([k, v]) => [k.slice(line.length + 1), v]));
  const reported = new Set<string>();
  for (const field of [...new Set([...source.keys(), ...target.keys()])].sort(byField)) {
    const line = lineOf(field);
    if (line !== undefined && sourceLines.has(line) !== targetLines.has(line)) {
      if (reported.has(line)) continue;
      reported.add(line);
      diffs.push({ field: line, source: sourceLines.has(line) ? wholeLine(line, source) : null, target: targetLines.has(line) ? wholeLine(line, target) : null });
      continue;
    }
    const a = source.get(field);
    const b = target.get(field);
    if (!same(a, b)) diffs.push({ field, source: masked(field, a), target: masked(field, b) });
  }
  return diffs;
}

// Line numbers in numeric order (lines.2 before lines.10), other fields by name.
function byField(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The one line the trail and the table show for a drift. */
export function reasonOf(category: DriftCategory, fields: readonly FieldDiff[], repair: RepairAction): string {
  const what =
    category === 'source-only'
      ? 'in SYSPRO, missing in Coupa'
      : category === 'target-only'
        ? 'in Coupa, gone from SYSPRO (deleted there, or created by hand in Coupa)'
        : `differs in ${fields.map((f) => f.field).join(', ')} (SYSPRO → Coupa)`;
  return `reconcile: ${what}; repair: ${repair === 'republish' ? 'republish from SYSPRO (forced)' : repair === 'deactivate' ? 'deactivate in Coupa' : 'report only'}`;
}

/**
 * Compares the two sides of one entity: per key, equal content hashes of the compared leaves are
 * identical; otherwise the fields that differ. Source-only and different records are republished
 * from the source; a target-only supplier still active there is deactivated or reported per the
 * policy (an inactive one already is what a deletion should leave: counted `deactivated`), a
 * target-only order is reported.
 */
export function compareSides<E extends ReconciledEntity>(entity: E, source: readonly SideRecord<E>[], target: readonly SideRecord<E>[], options: CompareOptions): Comparison {
  const targets = new Map(target.map((r) => [r.key, r]));
  const sources = new Map(source.map((r) => [r.key, r]));
  const drift: Drift[] = [];
  let identical = 0;
  let deactivated = 0;
  const add = (key: string, category: DriftCategory, fields: FieldDiff[], repair: RepairAction) => drift.push({ key, category, fields, repair, reason: reasonOf(category, fields, repair) });
  for (const s of sources.values()) {
    const t = targets.get(s.key);
    if (t === undefined) {
      add(s.key, 'source-only', [], 'republish');
      continue;
    }
    const a = leavesOf(entity, s.data, options);
    const b = leavesOf(entity, t.data, options);
    if (contentHashOf(Object.fromEntries(a)) === contentHashOf(Object.fromEntries(b))) {
      identical += 1;
      continue;
    }
    const fields = fieldDiffs(a, b);
    if (fields.length === 0) identical += 1;
    else add(s.key, 'different', fields, 'republish');
  }
  for (const t of targets.values()) {
    if (sources.has(t.key)) continue;
    if (entity === 'supplier') {
      if ((t.data as SupplierData).status === 'inactive') {
        deactivated += 1;
        continue;
      }
      add(t.key, 'target-only', [{ field: 'status', source: null, target: (t.data as SupplierData).status }], options.goneFromSource);
    } else {
      add(t.key, 'target-only', [], 'report');
    }
  }
  drift.sort((x, y) => byField(x.key, y.key));
  return { compared: { source: sources.size, target: targets.size }, identical, deactivated, drift };
}

/**
 * `--since`: each side read only what changed since then; the keys one side read and the other
 * did not are looked up by key on the other side (`fromSource`: to read from the source, by key;
 * `fromTarget`: from the target). A key still absent after its lookup is truly missing there.
 */
export function counterpartKeys(sourceKeys: Iterable<string>, targetKeys: Iterable<string>): { fromSource: string[]; fromTarget: string[] } {
  const source = new Set(sourceKeys);
  const target = new Set(targetKeys);
  return {
    fromSource: [...target].filter((k) => !source.has(k)).sort(byField),
    fromTarget: [...source].filter((k) => !target.has(k)).sort(byField),
  };
}

/** The records of a side read in two goes (changed since, then by key), one per key: a later read wins. */
export function mergeRecords<E extends ReconciledEntity>(...reads: readonly (readonly SideRecord<E>[])[]): SideRecord<E>[] {
  return [...new Map(reads.flat().map((r) => [r.key, r])).values()];
}
