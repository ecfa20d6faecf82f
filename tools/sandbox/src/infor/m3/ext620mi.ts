import { alpha, num, type MiRecord } from './protocol.js';
import { transaction, type Program } from './program.js';

const byChange = (a: MiRecord, b: MiRecord): number => {
  const at = BigInt(a.LMTS ?? '0') - BigInt(b.LMTS ?? '0');
  if (at !== 0n) return at < 0n ? -1 : 1;
  return a.SUNO! < b.SUNO! ? -1 : a.SUNO! > b.SUNO! ? 1 : 0;
};

/**
 * EXT620MI: the tenant's XtendM3 API over the supplier master (a standard API cannot get new
 * transactions, so extensions live on their own API). `LstByChgDate` lists suppliers changed at or
 * after `LMTS`, from `SUNO` within that timestamp (both inclusive), in (LMTS, SUNO) order; the
 * executor applies maxrecs. The contract infor-poller relies on: libs/infor/README.md.
 */
export const EXT620MI: Program = {
  LstByChgDate: transaction({ CONO: num(3), LMTS: num(18), SUNO: alpha(10) }, (input, { state }) => {
    const from = BigInt(input.LMTS ?? '0');
    const fromSupplier = input.LMTS === undefined ? '' : (input.SUNO ?? '');
    return [...state.suppliers.values()]
      .filter((s) => {
        const at = BigInt(s.LMTS ?? '0');
        return at > from || (at === from && s.SUNO! >= fromSupplier);
      })
      .sort(byChange);
  }),
};
