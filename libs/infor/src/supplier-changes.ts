import { MlcError } from '@mlc/errors';
import type { M3Client } from './m3-client.js';
import type { ProgramTransaction } from './mapping.js';
import type { MiRecord } from './wire.js';

/** Where a page of the supplier change list starts: change timestamp LMTS, then supplier number, both inclusive. */
export interface SupplierChangeStart {
  /** LMTS as M3 writes it (digits); undefined: from the first change. */
  timestamp?: string | undefined;
  /** SUNO within that timestamp; undefined: the first. */
  supplier?: string | undefined;
}

export interface SupplierChangeReader {
  /** Up to `limit` supplier master records from `start` on, in (LMTS, SUNO) order. */
  page(start: SupplierChangeStart, limit: number): Promise<MiRecord[]>;
}

/**
 * The supplier change list over the M3 client: the configured list transaction (an XtendM3
 * extension in a tenant, see README "Supplier change list"), with LMTS and SUNO as the inclusive
 * start and `maxrecs` as the page size. The records must carry SUNO and LMTS, or no cursor can be
 * placed after them: such a page is MLC_VENDOR_REJECTED.
 */
export function createSupplierChangeReader({ m3, transaction }: { m3: M3Client; transaction: ProgramTransaction }): SupplierChangeReader {
  return {
    async page(start, limit) {
      const records = await m3.execute(transaction.program, transaction.transaction, { LMTS: start.timestamp, SUNO: start.timestamp === undefined ? undefined : start.supplier }, { maxRecords: limit, idempotent: true });
      const bad = records.find((r) => !/^\d+$/.test(r.LMTS?.trim() ?? '') || (r.SUNO?.trim() ?? '') === '');
      if (bad !== undefined) {
        throw new MlcError('MLC_VENDOR_REJECTED', `M3 ${transaction.program}/${transaction.transaction} answered a supplier without SUNO or a numeric LMTS`, {
          context: { program: transaction.program, transaction: transaction.transaction, supplier: bad.SUNO ?? null, lmts: bad.LMTS ?? null },
        });
      }
      return records;
    },
  };
}
