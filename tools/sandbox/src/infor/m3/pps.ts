import { alpha, date, formatNumber, nok, num, type InputSpec, type MiRecord } from './protocol.js';
import { transaction, type MiContext, type Program } from './program.js';
import type { PoEntry, PurchaseOrder } from './state.js';

const LINE_FIELDS: InputSpec = {
  ITNO: alpha(15, true),
  ORQA: num(15, 6, true),
  PNLI: num(5),
  SUNO: alpha(10),
  DWDT: date(),
  PUPR: num(15, 6),
  PUUN: alpha(3),
  PPUN: alpha(3),
  PITD: alpha(30),
  SITE: alpha(30),
  VTCD: num(2),
  PURC: alpha(10),
  BUYE: alpha(10),
};

// M3 proposes line numbers in steps (order type setting); 10 is the common default.
const LINE_STEP = 10;

function addLine(order: PurchaseOrder, input: MiRecord, { cono }: MiContext): MiRecord {
  const puno = order.head.PUNO!;
  if (Number(input.ORQA) <= 0) throw nok('ORQA', 'WOR0103', 'Ordered quantity must be greater than zero');
  if (input.SUNO && input.SUNO !== order.head.SUNO) throw nok('SUNO', 'WSU0104', `Supplier ${input.SUNO} differs from the order's supplier ${order.head.SUNO}`);
  const taken = [...order.lines.keys()].map(Number);
  const pnli = input.PNLI ? String(Number(input.PNLI)) : String((taken.length ? Math.max(...taken) : 0) + LINE_STEP);
  if (order.lines.has(pnli)) throw nok('PNLI', 'WPN0102', `Order line ${puno}/${pnli} already exists`);
  const line: MiRecord = {
    CONO: cono,
    PUNO: puno,
    PNLI: pnli,
    PNLS: '0',
    ITNO: input.ITNO!,
    ORQA: formatNumber(Number(input.ORQA)),
    PUUN: input.PUUN ?? 'EA',
    PPUN: input.PPUN ?? input.PUUN ?? 'EA',
    PUPR: formatNumber(Number(input.PUPR ?? '0')),
    SUNO: order.head.SUNO!,
    DWDT: input.DWDT ?? order.head.DWDT!,
    PUSL: order.head.PUSL ?? '15',
    RVQA: '0',
    IVQA: '0',
    ...(input.PITD ? { PITD: input.PITD } : {}),
    ...(input.SITE ? { SITE: input.SITE } : {}),
  };
  order.lines.set(pnli, line);
  return { PUNO: puno, PNLI: pnli, PNLS: '0' };
}

function openEntry(entries: Map<string, PoEntry>, msgn: string): PoEntry {
  const entry = entries.get(msgn);
  if (!entry || entry.status === 'deleted') throw nok('MSGN', 'WMS0103', `Message number ${msgn} does not exist`);
  if (entry.status === 'finished') throw nok('MSGN', 'WMS0105', `Message number ${msgn} is already finished`);
  return entry;
}

function existingOrder({ state }: MiContext, puno: string): PurchaseOrder {
  const order = state.purchaseOrders.get(puno);
  if (!order) throw nok('PUNO', 'WPU0103', `Purchase order ${puno} does not exist`);
  return order;
}

// Lines are keyed by PUNO + PNLI + PNLS; the sandbox only creates suffix 0.
function existingLine(order: PurchaseOrder, input: MiRecord): MiRecord {
  const line = order.lines.get(String(Number(input.PNLI)));
  if (!line || Number(input.PNLS ?? '0') !== Number(line.PNLS)) {
    throw nok('PNLI', 'WPN0103', `Order line ${order.head.PUNO}/${input.PNLI}/${input.PNLS ?? '0'} does not exist`);
  }
  return line;
}

function updateLine(line: MiRecord, input: MiRecord): void {
  if (input.ORQA !== undefined) {
    if (Number(input.ORQA) <= 0) throw nok('ORQA', 'WOR0103', 'Ordered quantity must be greater than zero');
    line.ORQA = formatNumber(Number(input.ORQA));
  }
  if (input.PUPR !== undefined) line.PUPR = formatNumber(Number(input.PUPR));
  if (input.DWDT !== undefined) line.DWDT = input.DWDT;
  if (input.PITD !== undefined) line.PITD = input.PITD;
}

/**
 * PPS370MI — Purchase order batch entry. The documented way to create a PO header through MI:
 * StartEntry → AddHead (→ PUNO) → AddLine … → FinishEntry, which makes the orders visible in PPS200MI.
 */
export const PPS370MI: Program = {
  StartEntry: transaction({ BAOR: alpha(10, true) }, (input, { state }) => {
    state.series.msgn += 1;
    const MSGN = String(state.series.msgn).padStart(10, '0');
    state.poEntries.set(MSGN, { MSGN, BAOR: input.BAOR!, status: 'open', orders: new Map() });
    return [{ MSGN }];
  }),

  AddHead: transaction(
    {
      MSGN: alpha(10, true),
      FACI: alpha(3, true),
      WHLO: alpha(3, true),
      SUNO: alpha(10, true),
      DWDT: date(true),
      HREF: alpha(10),
      ORTY: alpha(3),
      PUDT: date(),
      CUCD: alpha(3),
      TEPY: alpha(3),
      PYME: alpha(3),
      MODL: alpha(3),
      TEDL: alpha(3),
      YRE1: alpha(10),
      OURR: alpha(10),
      PURC: alpha(10),
      BUYE: alpha(10),
    },
    (input, ctx) => {
      const entry = openEntry(ctx.state.poEntries, input.MSGN!);
      const supplier = ctx.state.suppliers.get(input.SUNO!);
      if (!supplier) throw nok('SUNO', 'WSU0203', `Supplier ${input.SUNO} does not exist`);
      if (supplier.STAT !== '20') throw nok('SUNO', 'WSU0211', `Supplier ${input.SUNO} has status ${supplier.STAT} and cannot be used`);
      ctx.state.series.puno += 1;
      const PUNO = String(ctx.state.series.puno);
      const { MSGN: _msgn, ...fields } = input;
      entry.orders.set(PUNO, {
        head: { CONO: ctx.cono, PUNO, ORTY: 'P10', CUCD: supplier.CUCD ?? '', TEPY: supplier.TEPY ?? '', PUDT: input.PUDT ?? input.DWDT!, ...fields, PUSL: '15', PUST: '15' },
        lines: new Map(),
      });
      return [{ PUNO }];
    },
  ),

  // Lines go to PUNO, else to the order with head reference HREF, else to the entry's only order.
  AddLine: transaction({ MSGN: alpha(10, true), PUNO: alpha(10), HREF: alpha(10), ...LINE_FIELDS }, (input, ctx) => {
    const entry = openEntry(ctx.state.poEntries, input.MSGN!);
    const orders = [...entry.orders.values()];
    const order = input.PUNO
      ? entry.orders.get(input.PUNO)
      : input.HREF
        ? orders.find((o) => o.head.HREF === input.HREF)
        : orders.length === 1
          ? orders[0]
          : undefined;
    if (!order) throw nok('PUNO', 'WPU0103', `Purchase order ${input.PUNO ?? input.HREF ?? '(none)'} is not in message ${input.MSGN}`);
    return [addLine(order, input, ctx)];
  }),

  FinishEntry: transaction({ MSGN: alpha(10, true) }, (input, { state }) => {
    const entry = openEntry(state.poEntries, input.MSGN!);
    if (entry.orders.size === 0) throw nok('MSGN', 'WMS0110', `Message number ${input.MSGN} contains no orders`);
    for (const order of entry.orders.values()) {
      if (order.lines.size === 0) throw nok('PUNO', 'WPU0110', `Purchase order ${order.head.PUNO} has no lines`);
    }
    for (const [puno, order] of entry.orders) {
      order.head.PUSL = '20';
      order.head.PUST = '20';
      for (const line of order.lines.values()) line.PUSL = '20';
      state.purchaseOrders.set(puno, order);
    }
    entry.status = 'finished';
    return [];
  }),

  DeleteEntry: transaction({ MSGN: alpha(10, true) }, (input, { state }) => {
    const entry = openEntry(state.poEntries, input.MSGN!);
    entry.status = 'deleted';
    entry.orders.clear();
    return [];
  }),
};

/** PPS200MI — Purchase order. Interface: reads, and lines added to or changed on an existing order. */
export const PPS200MI: Program = {
  GetHead: transaction({ CONO: num(3), PUNO: alpha(10, true) }, (input, ctx) => [existingOrder(ctx, input.PUNO!).head]),

  GetLine: transaction({ CONO: num(3), PUNO: alpha(10, true), PNLI: num(5, 0, true), PNLS: num(3) }, (input, ctx) => [
    existingLine(existingOrder(ctx, input.PUNO!), input),
  ]),

  LstLine: transaction({ CONO: num(3), PUNO: alpha(10, true) }, (input, ctx) =>
    [...existingOrder(ctx, input.PUNO!).lines.values()].sort((a, b) => Number(a.PNLI) - Number(b.PNLI)),
  ),

  AddLine: transaction({ CONO: num(3), PUNO: alpha(10, true), ...LINE_FIELDS }, (input, ctx) => [addLine(existingOrder(ctx, input.PUNO!), input, ctx)]),

  // PNLS is mandatory here, unlike GetLine (M3's metadata for UpdLine). Blank inputs leave the
  // field as it is, the M3 convention; inputs the sandbox does not model are ignored.
  UpdLine: transaction(
    { CONO: num(3), PUNO: alpha(10, true), PNLI: num(5, 0, true), PNLS: num(3, 0, true), ORQA: num(15, 6), PUPR: num(15, 6), DWDT: date(), PITD: alpha(30) },
    (input, ctx) => {
      updateLine(existingLine(existingOrder(ctx, input.PUNO!), input), input);
      return [];
    },
  ),
};
