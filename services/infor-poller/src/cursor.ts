import { z } from 'zod';
import type { MiRecord, SupplierChangeStart } from '@mlc/infor';

/** Where the supplier change list was read to: the last committed record's change timestamp and number. */
export const SupplierCursor = z.object({
  timestamp: z.string().regex(/^\d+$/),
  supplier: z.string().min(1),
});
export type SupplierCursor = z.infer<typeof SupplierCursor>;

/**
 * Where a poll starts: `overlapMs` before the cursor's timestamp (changes committed late, clocks
 * apart), from the first supplier there; the whole list when there is no cursor yet. What is read
 * again is dropped by content hash.
 */
export function pollStart(cursor: SupplierCursor | undefined, overlapMs: number): SupplierChangeStart {
  if (cursor === undefined) return {};
  const from = BigInt(cursor.timestamp) - BigInt(Math.round(overlapMs));
  return { timestamp: String(from > 0n ? from : 0n) };
}

/** The next page of the same poll starts at the last record read (inclusive: it comes again first). */
export function continueFrom(cursor: SupplierCursor): SupplierChangeStart {
  return { timestamp: cursor.timestamp, supplier: cursor.supplier };
}

const compare = (a: SupplierCursor, b: SupplierCursor): number => {
  const at = BigInt(a.timestamp) - BigInt(b.timestamp);
  if (at !== 0n) return at < 0n ? -1 : 1;
  return a.supplier < b.supplier ? -1 : a.supplier > b.supplier ? 1 : 0;
};

/**
 * The cursor after a page: its last record's (LMTS, SUNO), never behind `cursor` (an overlap
 * re-read ends earlier than where an earlier poll got to). Records are in (LMTS, SUNO) order.
 */
export function advance(cursor: SupplierCursor | undefined, records: readonly MiRecord[]): SupplierCursor | undefined {
  const last = records.at(-1);
  if (last === undefined) return cursor;
  const next = { timestamp: last.LMTS!.trim(), supplier: last.SUNO!.trim() };
  return cursor !== undefined && compare(next, cursor) <= 0 ? cursor : next;
}

/** Whether a full page got past where it started; a page that did not would be read forever. */
export function progressed(start: SupplierChangeStart, records: readonly MiRecord[]): boolean {
  const last = records.at(-1);
  if (last === undefined || start.timestamp === undefined) return true;
  return compare({ timestamp: last.LMTS!.trim(), supplier: last.SUNO!.trim() }, { timestamp: start.timestamp, supplier: start.supplier ?? '' }) > 0;
}

/** A supplier whose change timestamp lies past now + the allowed skew (an M3 server clock set wrong, an import that wrote LMTS). */
export interface FutureRecord {
  supplier: string;
  /** LMTS as M3 sent it. */
  timestamp: string;
}

/** The records of a page dated past `nowMs` + `skewMs`. */
export function futureRecords(records: readonly MiRecord[], nowMs: number, skewMs: number): FutureRecord[] {
  const limit = BigInt(Math.trunc(nowMs + skewMs));
  return records.filter((r) => BigInt(r.LMTS!.trim()) > limit).map((r) => ({ supplier: r.SUNO!.trim(), timestamp: r.LMTS!.trim() }));
}

/**
 * The cursor to commit: one past `nowMs` + `skewMs` is committed at `nowMs` (same supplier), or
 * the next poll would start after every real change to come. That poll starts an overlap before
 * now, reading the future-dated records again (unchanged, not republished) until M3 corrects them.
 */
export function clampFuture(cursor: SupplierCursor, nowMs: number, skewMs: number): { cursor: SupplierCursor; clamped: boolean } {
  if (BigInt(cursor.timestamp) <= BigInt(Math.trunc(nowMs + skewMs))) return { cursor, clamped: false };
  return { cursor: { timestamp: String(Math.trunc(nowMs)), supplier: cursor.supplier }, clamped: true };
}
