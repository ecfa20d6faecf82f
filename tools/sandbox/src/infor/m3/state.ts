import { createRandom } from '../../shared/random.js';
import { formatNumber, toM3Date, type MiRecord } from './protocol.js';

export interface PurchaseOrder {
  head: MiRecord;
  /** Keyed by PNLI. */
  lines: Map<string, MiRecord>;
}

/** A PPS370MI batch entry: orders staged under a message number until FinishEntry. */
export interface PoEntry {
  MSGN: string;
  BAOR: string;
  status: 'open' | 'finished' | 'deleted';
  orders: Map<string, PurchaseOrder>;
}

export interface InvoiceBatch {
  head: MiRecord;
  lines: MiRecord[];
}

/** What the M3 tenant holds. One company (CONO) and its division; records are MI-shaped strings. */
export interface M3State {
  company: string;
  division: string;
  suppliers: Map<string, MiRecord>;
  purchaseOrders: Map<string, PurchaseOrder>;
  poEntries: Map<string, PoEntry>;
  invoiceBatches: Map<string, InvoiceBatch>;
  /** Number series (M3 CRS165 style): last number handed out. */
  series: { puno: number; msgn: number; inbn: number; vono: number };
}

/** Who MI calls through the ION API run as in M3 (the service account's user): CHID of what they change. */
export const MI_USER = 'MLCSVC';

/**
 * The audit columns M3 keeps on a supplier master record (CIDMAS LMDT/LMTS/CHNO/CHID) after a
 * change at `at` by `user`: change date, change timestamp (ms since the epoch), change number
 * (3 digits, so it wraps after 999) and who.
 */
export function changeStamp(previous: MiRecord | undefined, at: Date, user: string): MiRecord {
  const chno = Number(previous?.CHNO ?? '0');
  return { LMDT: toM3Date(at), LMTS: String(at.getTime()), CHNO: String((chno % 999) + 1), CHID: user };
}

export interface InforSizes {
  suppliers?: number;
  purchaseOrders?: number;
  /** Lines per seeded purchase order. */
  poLines?: number;
}

const NAMES = ['Nordic', 'Atlas', 'Harbour', 'Summit', 'Granite', 'Pioneer', 'Meridian', 'Cobalt', 'Evergreen', 'Vanguard'];
const TRADES = ['Fasteners', 'Packaging', 'Logistics', 'Steel', 'Components', 'Chemicals', 'Electrics', 'Timber'];
const FORMS = ['AB', 'Ltd', 'GmbH', 'Inc', 'Oy', 'BV'];
const COUNTRIES = [
  { CSCD: 'SE', CUCD: 'SEK', LNCD: 'SV' },
  { CSCD: 'GB', CUCD: 'GBP', LNCD: 'GB' },
  { CSCD: 'DE', CUCD: 'EUR', LNCD: 'DE' },
  { CSCD: 'US', CUCD: 'USD', LNCD: 'GB' },
];
const UNITS = ['EA', 'PCS', 'KG', 'BOX'];

/** Seeded, deterministic tenant: the same seed and sizes always give the same records. */
export function seedM3State({
  seed,
  company,
  division,
  sizes = {},
  today,
}: {
  seed: number;
  company: string;
  division: string;
  sizes?: InforSizes;
  today: Date;
}): M3State {
  const { suppliers: supplierCount = 25, purchaseOrders: orderCount = 10, poLines = 3 } = sizes;
  const random = createRandom(seed);
  const state: M3State = {
    company,
    division,
    suppliers: new Map(),
    purchaseOrders: new Map(),
    poEntries: new Map(),
    invoiceBatches: new Map(),
    series: { puno: 4_000_000, msgn: 0, inbn: 100_000, vono: 0 },
  };
  const stamp = toM3Date(today);

  for (let i = 1; i <= supplierCount; i += 1) {
    const country = random.pick(COUNTRIES);
    const SUNO = `SUP${String(i).padStart(5, '0')}`;
    state.suppliers.set(SUNO, {
      CONO: company,
      SUNO,
      SUNM: `${random.pick(NAMES)} ${random.pick(TRADES)} ${random.pick(FORMS)}`,
      SUTY: '0',
      STAT: '20',
      ...country,
      TEPY: random.pick(['30', '45', '60']),
      PHNO: `+${random.int(10, 99)} ${random.int(100000, 999999)}`,
      RGDT: stamp,
      ...changeStamp(undefined, today, 'M3SEED'),
    });
  }

  const supplierNumbers = [...state.suppliers.keys()];
  for (let i = 0; i < orderCount && supplierNumbers.length > 0; i += 1) {
    state.series.puno += 1;
    const PUNO = String(state.series.puno);
    const supplier = state.suppliers.get(random.pick(supplierNumbers))!;
    const order: PurchaseOrder = {
      head: {
        CONO: company,
        PUNO,
        SUNO: supplier.SUNO!,
        FACI: 'A01',
        WHLO: '001',
        ORTY: 'P10',
        CUCD: supplier.CUCD!,
        PUDT: stamp,
        DWDT: stamp,
        PUSL: '20',
        PUST: '20',
        TEPY: supplier.TEPY!,
      },
      lines: new Map(),
    };
    for (let l = 1; l <= poLines; l += 1) {
      const PNLI = String(l * 10);
      order.lines.set(PNLI, {
        CONO: company,
        PUNO,
        PNLI,
        PNLS: '0',
        ITNO: `ITEM${String(random.int(1, 500)).padStart(4, '0')}`,
        ORQA: String(random.int(1, 200)),
        PUUN: random.pick(UNITS),
        PUPR: formatNumber(random.int(100, 100_000) / 100),
        SUNO: supplier.SUNO!,
        DWDT: stamp,
        PUSL: '20',
        RVQA: '0',
        IVQA: '0',
      });
    }
    state.purchaseOrders.set(PUNO, order);
  }
  return state;
}

/** Snapshots for the admin API: plain JSON, PO lines as arrays. */
export function snapshot(state: M3State) {
  return {
    suppliers: [...state.suppliers.values()],
    purchaseOrders: [...state.purchaseOrders.values()].map((o) => ({ ...o.head, lines: [...o.lines.values()] })),
    invoiceBatches: [...state.invoiceBatches.values()].map((b) => ({ ...b.head, lines: b.lines })),
    poEntries: [...state.poEntries.values()].map((e) => ({
      MSGN: e.MSGN,
      BAOR: e.BAOR,
      status: e.status,
      orders: [...e.orders.values()].map((o) => ({ ...o.head, lines: [...o.lines.values()] })),
    })),
  };
}
