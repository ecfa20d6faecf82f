import type { MiRecord } from '../wire.js';
import type { M3PoLine } from './purchase-order.js';

/** PPS200MI UpdLine input without PUNO: the line's key and the fields to set. */
export type M3PoLineUpdate = Readonly<Record<string, string>> & { readonly PNLI: string; readonly PNLS: string };

/** What it takes to bring an existing M3 order's lines in line with the Coupa PO. */
export interface M3PoLineChanges {
  /** Coupa lines the M3 order does not have (PPS200MI AddLine). */
  add: M3PoLine[];
  /** M3 lines whose updatable fields differ from the Coupa line (PPS200MI UpdLine). */
  update: M3PoLineUpdate[];
  /** PNLI of M3 lines that are no longer on the Coupa PO. Never deleted: reported only. */
  orphaned: string[];
  /** Lines whose item or unit differs: UpdLine cannot change them, so they are reported only. */
  unchangeable: Array<{ PNLI: string; fields: string[] }>;
}

// Inputs of PPS200MI UpdLine that LstLine returns and the PO mapper sets (M3H5Lib PPS200MIResource).
const UPDATABLE = ['ORQA', 'PUPR', 'DWDT', 'PITD'] as const;
const DECIMAL_FIELDS: ReadonlySet<string> = new Set(['ORQA', 'PUPR']);
// ITNO is no UpdLine input. PUUN is one, but changing it re-reads the quantity in another unit,
// which is a decision for a buyer in M3, not for a sync.
const FIXED = ['ITNO', 'PUUN'] as const;

const lineKey = (pnli: string | undefined) => String(Number(pnli));

/** `0012.500` and `12.5` are the same M3 number; M3 pads and Coupa sends `100.0`. */
function canonicalDecimal(value: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return value;
  const integer = match[2]!.replace(/^0+/, '') || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const sign = match[1] === '-' && (integer !== '0' || fraction !== '') ? '-' : '';
  return `${sign}${integer}${fraction === '' ? '' : `.${fraction}`}`;
}

function sameValue(field: string, wanted: string, present: string | undefined): boolean {
  if (present === undefined) return false;
  // m3api-rest right-trims values, so a trailing blank we send never comes back.
  const a = wanted.trim();
  const b = present.trim();
  return DECIMAL_FIELDS.has(field) ? canonicalDecimal(a) === canonicalDecimal(b) : a === b;
}

function differing(fields: readonly string[], wanted: M3PoLine, present: MiRecord): string[] {
  return fields.filter((field) => {
    const value = wanted[field];
    return value !== undefined && !sameValue(field, value, present[field]);
  });
}

/**
 * Compares the mapped Coupa lines with the lines M3 has (PPS200MI LstLine) by line number. Only a
 * line whose updatable fields differ is updated, so applying the result twice changes nothing.
 * An update carries every updatable field of the Coupa line, not only the changed ones, so M3
 * cannot re-derive a price from a changed quantity. Fields absent from the Coupa line are left
 * as M3 has them (M3: a blank input leaves the field unchanged).
 */
export function planPoLineChanges(wanted: readonly M3PoLine[], present: readonly MiRecord[]): M3PoLineChanges {
  // Sub-lines (PNLS > 0) are M3's own splits of a line; the line itself is the lowest suffix.
  const m3Lines = new Map<string, MiRecord>();
  for (const line of present) {
    const key = lineKey(line.PNLI);
    const seen = m3Lines.get(key);
    if (seen === undefined || Number(line.PNLS ?? 0) < Number(seen.PNLS ?? 0)) m3Lines.set(key, line);
  }

  const changes: M3PoLineChanges = { add: [], update: [], orphaned: [], unchangeable: [] };
  for (const line of wanted) {
    const m3Line = m3Lines.get(lineKey(line.PNLI));
    if (m3Line === undefined) {
      changes.add.push(line);
      continue;
    }
    if (differing(UPDATABLE, line, m3Line).length > 0) {
      const update: Record<string, string> = { PNLI: line.PNLI, PNLS: m3Line.PNLS?.trim() || '0' };
      for (const field of UPDATABLE) {
        const value = line[field];
        if (value !== undefined) update[field] = value;
      }
      changes.update.push(update as M3PoLineUpdate);
    }
    const fixed = differing(FIXED, line, m3Line);
    if (fixed.length > 0) changes.unchangeable.push({ PNLI: line.PNLI, fields: fixed });
  }

  const coupaLines = new Set(wanted.map((line) => lineKey(line.PNLI)));
  changes.orphaned = [...m3Lines.keys()].filter((key) => !coupaLines.has(key)).sort((a, b) => Number(a) - Number(b));
  return changes;
}
