import { createRandom, type Random } from '../../shared/random.js';
import type { BaseRows } from './table.js';
import type { Row, TableName, Value } from './schema.js';

/** How many rows of each kind the sandbox starts with. */
export interface Sizes {
  suppliers: number;
  purchaseOrders: number;
  maxLinesPerOrder: number;
  invoices: number;
  maxDistributionsPerInvoice: number;
  glAccounts: number;
  costCentres: number;
}

/** Supplier currencies and payment terms the sandbox company knows; writes must use these. */
export const CURRENCIES = ['ZAR', 'USD', 'EUR', 'GBP'] as const;
export const TERMS_CODES = ['CA', '30', '45', '60', 'EM'] as const;

// Generated dates count from a fixed day, not the wall clock, so one seed always gives one sandbox.
const EPOCH = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

const ADJECTIVES = ['Acme', 'Blue', 'Cape', 'Delta', 'Eagle', 'Fynbos', 'Granite', 'Harbour', 'Indigo', 'Jade', 'Karoo', 'Lion'];
const NOUNS = ['Steel', 'Packaging', 'Chemicals', 'Logistics', 'Engineering', 'Textiles', 'Foods', 'Plastics', 'Electrical', 'Timber'];
const SUFFIXES = ['(Pty) Ltd', 'Ltd', 'Inc', 'CC', 'GmbH'];
const FIRST = ['Thabo', 'Anna', 'Pieter', 'Lerato', 'John', 'Fatima', 'Sipho', 'Maria', 'David', 'Naledi'];
const LAST = ['Nkosi', 'van der Merwe', 'Smith', 'Mokoena', 'Pillay', 'Botha', 'Dlamini', 'Jacobs'];
const STREETS = ['Main Road', 'Church Street', 'Voortrekker Road', 'Long Street', 'Industrial Avenue', 'Harbour Drive'];
const CITIES = ['Johannesburg', 'Cape Town', 'Durban', 'Pretoria', 'Gqeberha', 'Bloemfontein'];
const ITEMS = ['Bolt M8', 'Hex nut M8', 'Steel plate 3mm', 'Copper wire 2.5mm', 'Pallet wrap', 'Hydraulic hose', 'Safety gloves', 'Bearing 6204'];
const UOMS = ['EA', 'BOX', 'KG', 'M', 'L'];
const BUYERS = ['JBOTHA', 'LMOKOENA', 'SPILLAY', 'ADMIN'];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const iso = (ms: number): string => new Date(ms).toISOString();
const money = (n: number): number => Math.round(n * 100) / 100;

function rowRandom(seed: number, salt: number, index: number): Random {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  return createRandom(h >>> 0);
}

function sequentialCode(prefix: string, width: number) {
  return {
    of: (index: number): string => `${prefix}${pad(index + 1, width)}`,
    indexOf: (value: Value | undefined, count: number): number | undefined => {
      if (typeof value !== 'string' || value.length !== prefix.length + width || !value.startsWith(prefix)) return undefined;
      const digits = value.slice(prefix.length);
      if (!/^\d+$/.test(digits)) return undefined;
      const index = Number(digits) - 1;
      return index >= 0 && index < count ? index : undefined;
    },
  };
}

// Child rows of one parent are generated one after another in a scan; remembering the last
// parent avoids regenerating it (and its supplier) for every line.
function lastOne(generate: (index: number) => Row): (index: number) => Row {
  let lastIndex = -1;
  let last: Row = {};
  return (index) => {
    if (index !== lastIndex) {
      last = generate(index);
      lastIndex = index;
    }
    return last;
  };
}

/** Start offsets of each parent's children (compact: 4 bytes per parent). */
function childOffsets(parents: number, childrenOf: (parent: number) => number): Uint32Array {
  const offsets = new Uint32Array(parents + 1);
  for (let p = 0; p < parents; p += 1) offsets[p + 1] = offsets[p]! + childrenOf(p);
  return offsets;
}

function parentOf(offsets: Uint32Array, index: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Deterministic base rows for every table; TimeStamps count up from `firstTimestamp` in table order. */
export function seedTables(seed: number, sizes: Sizes): { bases: Record<TableName, BaseRows>; lastTimestamp: number } {
  const supplierCode = sequentialCode('S', 6);
  const poCode = sequentialCode('', 15);
  const invoiceCode = sequentialCode('INV', 7);
  const costCentreCode = sequentialCode('CC', 3);

  const accountStep = Math.max(10, Math.floor(8000 / Math.max(1, Math.ceil(sizes.glAccounts / sizes.costCentres)) / 10) * 10);
  const glCodeOf = (i: number): string =>
    `${pad(1000 + Math.floor(i / sizes.costCentres) * accountStep, 4)}-${costCentreCode.of(i % sizes.costCentres)}`;
  const accountTypeOf = (account: number): string =>
    account < 2000 ? 'A' : account < 3000 ? 'L' : account < 4000 ? 'C' : account < 5000 ? 'R' : 'E';

  let timestamp = 0;
  const stamps = (count: number) => {
    const first = timestamp + 1;
    timestamp += count;
    // Stamps are consecutive in index order, so the first row at or after a TimeStamp is arithmetic.
    return { of: (i: number) => first + i, max: timestamp, from: (ts: number) => Math.min(count, Math.max(0, Math.ceil(ts) - first)) };
  };

  const supplierStamps = stamps(sizes.suppliers);
  const supplier = lastOne((i: number): Row => {
    const r = rowRandom(seed, 1, i);
    const name = `${r.pick(ADJECTIVES)} ${r.pick(NOUNS)} ${r.pick(SUFFIXES)}`;
    const slug = name.toLowerCase().replace(/[^a-z]+/g, '');
    return {
      Supplier: supplierCode.of(i),
      SupplierName: name,
      SupShortName: name.slice(0, 20),
      SupplierClass: r.pick(['GEN', 'RAW', 'SRV']),
      Branch: r.pick(['01', '02']),
      Currency: r.chance(0.7) ? 'ZAR' : r.pick(CURRENCIES),
      TermsCode: r.pick(TERMS_CODES),
      TaxRegnNum: `4${pad(r.int(0, 999_999_999), 9)}`,
      Telephone: `+27 ${r.int(10, 87)} ${pad(r.int(0, 9_999_999), 7)}`,
      Fax: '',
      Email: `accounts@${slug}.example.com`,
      Contact: `${r.pick(FIRST)} ${r.pick(LAST)}`,
      SupAddr1: `${r.int(1, 400)} ${r.pick(STREETS)}`,
      SupAddr2: '',
      SupAddr3: r.pick(CITIES),
      SupAddr4: 'Gauteng',
      SupAddr5: 'South Africa',
      SupPostalCode: pad(r.int(1, 9999), 4),
      RemitAddr1: '',
      RemitAddr2: '',
      RemitAddr3: '',
      RemitAddr4: '',
      RemitAddr5: '',
      RemitPostalCode: '',
      BankBranch: '',
      BankAccount: '',
      OnHold: r.chance(0.05) ? 'Y' : 'N',
      DateSuppAdded: iso(EPOCH - r.int(0, 3000) * DAY),
      // Zone-less wall clock (the server's zone is UTC for seeded rows).
      DateLastChanged: iso(EPOCH - r.int(0, 300) * DAY).slice(0, -1),
      TimeStamp: supplierStamps.of(i),
    };
  });

  const poStamps = stamps(sizes.purchaseOrders);
  const purchaseOrder = lastOne((p: number): Row => {
    const r = rowRandom(seed, 2, p);
    const sup = supplier(r.int(0, sizes.suppliers - 1));
    const status = r.pick(['1', '1', '4', '4', '9', '9', '9', '*']);
    const entered = EPOCH + r.int(0, 700) * DAY + r.int(0, 86_399) * 1000;
    return {
      PurchaseOrder: poCode.of(p),
      Supplier: sup.Supplier!,
      OrderStatus: status,
      OrderEntryDate: iso(entered),
      OrderDueDate: iso(entered + r.int(7, 60) * DAY),
      Currency: sup.Currency!,
      Buyer: r.pick(BUYERS),
      Warehouse: r.pick(['FG', 'RM', 'E']),
      CancelledFlag: status === '*' ? 'Y' : 'N',
      DatePoCompleted: status === '9' ? iso(entered + r.int(10, 90) * DAY) : null,
      TimeStamp: poStamps.of(p),
    };
  });

  const lineOffsets = childOffsets(sizes.purchaseOrders, (p) => rowRandom(seed, 3, p).int(1, sizes.maxLinesPerOrder));
  const lineCount = lineOffsets[sizes.purchaseOrders]!;
  const lineStamps = stamps(lineCount);
  const poLine = (i: number): Row => {
    const p = parentOf(lineOffsets, i);
    const header = purchaseOrder(p);
    const r = rowRandom(seed, 4, i);
    const item = r.int(0, ITEMS.length - 1);
    const qty = r.int(1, 500);
    const status = header.OrderStatus;
    return {
      PurchaseOrder: header.PurchaseOrder!,
      Line: i - lineOffsets[p]! + 1,
      LineType: '1',
      MStockCode: `A${pad(item + 1, 5)}`,
      MStockDes: ITEMS[item]!,
      MWarehouse: header.Warehouse!,
      MOrderQty: qty,
      MReceivedQty: status === '9' ? qty : status === '4' ? r.int(0, qty) : 0,
      MPrice: money(r.int(50, 500_000) / 100),
      MOrderUom: r.pick(UOMS),
      MLatestDueDate: header.OrderDueDate!,
      MGlCode: glCodeOf(r.int(0, sizes.glAccounts - 1)),
      MCompleteFlag: status === '9' ? 'Y' : 'N',
      TimeStamp: lineStamps.of(i),
    };
  };

  // Invoices are spread over suppliers in key order, so index order is (Supplier, Invoice) order.
  const invoiceSupplier = (n: number): number => Math.floor((n * sizes.suppliers) / Math.max(1, sizes.invoices));
  const invoiceStamps = stamps(sizes.invoices);
  const invoice = lastOne((n: number): Row => {
    const r = rowRandom(seed, 5, n);
    const sup = supplier(invoiceSupplier(n));
    const invoiced = EPOCH + r.int(0, 700) * DAY;
    const value = money(r.int(1_000, 5_000_000) / 100);
    const paid = r.pick([0, 0, 1, 2]);
    return {
      Supplier: sup.Supplier!,
      Invoice: invoiceCode.of(n),
      InvoiceDate: iso(invoiced),
      DueDate: iso(invoiced + 30 * DAY),
      Currency: sup.Currency!,
      ExchangeRate: sup.Currency === 'ZAR' ? 1 : money(r.int(500, 2500) / 100),
      OrigInvValue: value,
      MthInvBal1: paid === 2 ? 0 : paid === 1 ? money(value / 2) : value,
      PurchaseOrder: sizes.purchaseOrders > 0 && r.chance(0.6) ? poCode.of(r.int(0, sizes.purchaseOrders - 1)) : '',
      TimeStamp: invoiceStamps.of(n),
    };
  });

  const distOffsets = childOffsets(sizes.invoices, (n) => rowRandom(seed, 6, n).int(1, sizes.maxDistributionsPerInvoice));
  const distCount = distOffsets[sizes.invoices]!;
  const distStamps = stamps(distCount);
  const distribution = (i: number): Row => {
    const n = parentOf(distOffsets, i);
    const inv = invoice(n);
    const entries = distOffsets[n + 1]! - distOffsets[n]!;
    const entry = i - distOffsets[n]!;
    const share = money((inv.OrigInvValue as number) / entries);
    const r = rowRandom(seed, 7, i);
    return {
      Supplier: inv.Supplier!,
      Invoice: inv.Invoice!,
      EntryNumber: entry + 1,
      ExpenseGlCode: glCodeOf(r.int(0, sizes.glAccounts - 1)),
      DistrValue: entry === entries - 1 ? money((inv.OrigInvValue as number) - share * (entries - 1)) : share,
      DistrDescription: r.pick(ITEMS),
      TimeStamp: distStamps.of(i),
    };
  };

  const glStamps = stamps(sizes.glAccounts);
  const glAccount = (i: number): Row => {
    const code = glCodeOf(i);
    const type = accountTypeOf(Number(code.slice(0, 4)));
    const label = { A: 'Assets', L: 'Liabilities', C: 'Capital', R: 'Revenue', E: 'Expenses' }[type]!;
    return { GlCode: code, Description: `${label} ${code}`, AccountType: type, GlGroup: label.slice(0, 10).toUpperCase(), TimeStamp: glStamps.of(i) };
  };

  const ccStamps = stamps(sizes.costCentres);
  const costCentre = (c: number): Row => ({
    CostCentre: costCentreCode.of(c),
    Description: `${rowRandom(seed, 8, c).pick(CITIES)} ${rowRandom(seed, 9, c).pick(['Operations', 'Finance', 'Sales', 'Plant', 'Stores'])}`,
    Active: 'Y',
    TimeStamp: ccStamps.of(c),
  });

  const glIndexOf = (code: Value | undefined): number | undefined => {
    if (typeof code !== 'string') return undefined;
    for (let i = 0; i < sizes.glAccounts; i += 1) if (glCodeOf(i) === code) return i;
    return undefined;
  };

  const childIndex = (offsets: Uint32Array, parent: number | undefined, child: Value | undefined): number | undefined => {
    if (parent === undefined || typeof child !== 'number' || !Number.isInteger(child)) return undefined;
    const count = offsets[parent + 1]! - offsets[parent]!;
    return child >= 1 && child <= count ? offsets[parent]! + child - 1 : undefined;
  };
  const invoiceIndex = (sup: Value | undefined, inv: Value | undefined): number | undefined => {
    const n = invoiceCode.indexOf(inv, sizes.invoices);
    return n !== undefined && supplierCode.of(invoiceSupplier(n)) === sup ? n : undefined;
  };

  return {
    lastTimestamp: timestamp,
    bases: {
      ApSupplier: { count: sizes.suppliers, generate: supplier, indexOf: ([k]) => supplierCode.indexOf(k, sizes.suppliers), maxTimestamp: supplierStamps.max, indexAtTimestamp: supplierStamps.from },
      PorMasterHdr: { count: sizes.purchaseOrders, generate: purchaseOrder, indexOf: ([k]) => poCode.indexOf(k, sizes.purchaseOrders), maxTimestamp: poStamps.max, indexAtTimestamp: poStamps.from },
      PorMasterDetail: {
        count: lineCount,
        generate: poLine,
        indexOf: ([po, line]) => childIndex(lineOffsets, poCode.indexOf(po, sizes.purchaseOrders), line),
        maxTimestamp: lineStamps.max, indexAtTimestamp: lineStamps.from,
      },
      ApInvoice: { count: sizes.invoices, generate: invoice, indexOf: ([sup, inv]) => invoiceIndex(sup, inv), maxTimestamp: invoiceStamps.max, indexAtTimestamp: invoiceStamps.from },
      ApJnlDistrib: {
        count: distCount,
        generate: distribution,
        indexOf: ([sup, inv, entry]) => childIndex(distOffsets, invoiceIndex(sup, inv), entry),
        maxTimestamp: distStamps.max, indexAtTimestamp: distStamps.from,
      },
      GenMaster: { count: sizes.glAccounts, generate: glAccount, indexOf: ([k]) => glIndexOf(k), maxTimestamp: glStamps.max, indexAtTimestamp: glStamps.from },
      GenCostCentre: { count: sizes.costCentres, generate: costCentre, indexOf: ([k]) => costCentreCode.indexOf(k, sizes.costCentres), maxTimestamp: ccStamps.max, indexAtTimestamp: ccStamps.from },
    },
  };
}
