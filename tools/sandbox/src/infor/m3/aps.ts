import { alpha, date, formatNumber, nok, num, type MiRecord } from './protocol.js';
import { transaction, type MiContext, type Program } from './program.js';
import type { InvoiceBatch } from './state.js';

/**
 * Sandbox batch status (SUPA): '0' entered, '1' validation found errors (see IBHE/IBLE),
 * '2' validated: a voucher (VONO/YEA4) exists and the batch is closed for changes.
 */
const ENTERED = '0';
const REJECTED_BY_VALIDATION = '1';
const VALIDATED = '2';

/** RDTP 1 is a line matched to a purchase order line; other line types carry an amount only. */
const PO_LINE = '1';

function batchOf({ state }: MiContext, inbn: string): InvoiceBatch {
  const batch = state.invoiceBatches.get(String(Number(inbn)));
  if (!batch) throw nok('INBN', 'WIN0103', `Invoice batch ${inbn} does not exist`);
  return batch;
}

function divisionOf(input: MiRecord, { state, divi }: MiContext): string {
  const division = input.DIVI ?? divi;
  if (division !== state.division) throw nok('DIVI', 'XDI0101', `Division ${division} does not exist`);
  return division;
}

function sameInvoice(head: MiRecord, suno: string, spyn: string, sino: string): boolean {
  return head.SUNO === suno && head.SPYN === spyn && head.SINO === sino;
}

/** APS450MI — Supplier invoice batch interface. */
export const APS450MI: Program = {
  // AP uniqueness is payee + supplier + supplier invoice number; the sandbox enforces it here,
  // against every batch not rejected, so a client that retries AddHead blindly sees the duplicate.
  AddHead: transaction(
    {
      DIVI: alpha(3),
      SUNO: alpha(10, true),
      IVDT: date(true),
      IBTP: alpha(2),
      SINO: alpha(24),
      SPYN: alpha(10),
      CUCD: alpha(3),
      ARAT: num(11, 6),
      TEPY: alpha(3),
      PYME: alpha(3),
      CUAM: num(15, 2),
      VTAM: num(15, 2),
      ACDT: date(),
      DUDT: date(),
      APCD: alpha(10),
      IMCD: alpha(1),
      PUNO: alpha(10),
      CORI: alpha(36),
    },
    (input, ctx) => {
      const division = divisionOf(input, ctx);
      const supplier = ctx.state.suppliers.get(input.SUNO!);
      if (!supplier) throw nok('SUNO', 'WSU0203', `Supplier ${input.SUNO} does not exist`);
      const spyn = input.SPYN ?? input.SUNO!;
      if (input.SINO) {
        const duplicate = [...ctx.state.invoiceBatches.values()].find(
          (b) => b.head.SUPA !== REJECTED_BY_VALIDATION && sameInvoice(b.head, input.SUNO!, spyn, input.SINO!),
        );
        if (duplicate) {
          throw nok('SINO', 'WSI0201', `Supplier invoice number ${input.SINO} already exists for supplier ${input.SUNO} (batch ${duplicate.head.INBN})`);
        }
      }
      ctx.state.series.inbn += 1;
      const INBN = String(ctx.state.series.inbn);
      const { DIVI: _divi, ...fields } = input;
      ctx.state.invoiceBatches.set(INBN, {
        head: {
          CONO: ctx.cono,
          DIVI: division,
          INBN,
          CUCD: supplier.CUCD ?? '',
          TEPY: supplier.TEPY ?? '',
          ACDT: input.IVDT!,
          ...fields,
          SPYN: spyn,
          SUPA: ENTERED,
          IBHE: '0',
          IBLE: '0',
        },
        lines: [],
      });
      return [{ INBN }];
    },
  ),

  AddLine: transaction(
    {
      DIVI: alpha(3),
      INBN: num(10, 0, true),
      RDTP: num(1, 0, true),
      NLAM: num(15, 2),
      VTA1: num(15, 2),
      VTCD: num(2),
      PUNO: alpha(10),
      PNLI: num(5),
      PNLS: num(3),
      IVQA: num(15, 6),
      PUUN: alpha(3),
      GRPR: num(15, 6),
      ITNO: alpha(15),
      CEID: alpha(6),
      REPN: num(10),
      SUDO: alpha(20),
    },
    (input, ctx) => {
      const division = divisionOf(input, ctx);
      const batch = batchOf(ctx, input.INBN!);
      if (batch.head.SUPA === VALIDATED) throw nok('INBN', 'WIN0105', `Invoice batch ${input.INBN} is validated and cannot be changed`);
      if (input.RDTP === PO_LINE) {
        for (const field of ['PUNO', 'PNLI', 'IVQA'] as const) {
          if (!input[field]) throw nok(field, 'WRD0101', `${field} must be entered for line type ${PO_LINE}`);
        }
      } else if (!input.NLAM) {
        throw nok('NLAM', 'WRD0102', `Line amount must be entered for line type ${input.RDTP}`);
      }
      const nlam = input.NLAM ?? formatNumber(Number(input.IVQA ?? '0') * Number(input.GRPR ?? '0'));
      const { DIVI: _divi, INBN: _inbn, ...fields } = input;
      batch.lines.push({
        CONO: ctx.cono,
        DIVI: division,
        INBN: batch.head.INBN!,
        TRNO: String(batch.lines.length + 1),
        ...fields,
        ...(fields.PNLI ? { PNLI: String(Number(fields.PNLI)), PNLS: fields.PNLS ?? '0' } : {}),
        NLAM: nlam,
      });
      if (batch.head.SUPA === REJECTED_BY_VALIDATION) batch.head.SUPA = ENTERED;
      return [];
    },
  ),

  GetHead: transaction({ DIVI: alpha(3), INBN: num(10, 0, true) }, (input, ctx) => {
    divisionOf(input, ctx);
    return [batchOf(ctx, input.INBN!).head];
  }),

  LstLines: transaction({ DIVI: alpha(3), INBN: num(10, 0, true), TRNO: num(5) }, (input, ctx) => {
    divisionOf(input, ctx);
    const lines = batchOf(ctx, input.INBN!).lines;
    return input.TRNO ? lines.filter((l) => l.TRNO === String(Number(input.TRNO))) : lines;
  }),

  // Lets a client find the batch its earlier, interrupted attempt created.
  LstInvBySupInv: transaction({ DIVI: alpha(3), SPYN: alpha(10, true), SUNO: alpha(10, true), SINO: alpha(24, true) }, (input, ctx) => {
    const division = divisionOf(input, ctx);
    return [...ctx.state.invoiceBatches.values()]
      .filter((b) => b.head.DIVI === division && sameInvoice(b.head, input.SUNO!, input.SPYN!, input.SINO!))
      .map((b) => ({ DIVI: division, INBN: b.head.INBN!, SPYN: b.head.SPYN!, SUNO: b.head.SUNO!, SINO: b.head.SINO!, SUPA: b.head.SUPA! }));
  }),
};

/**
 * APS455MI — Supplier invoice batch, submitted. ValidByBatchNo is the step that turns the batch
 * into an AP voucher; it is where PO-matched lines are checked against existing PO lines.
 * Real M3 may accept the submit and leave the errors on the batch (IBHE/IBLE); the sandbox does
 * both: it flags the batch and answers NOK naming the field.
 */
export const APS455MI: Program = {
  ValidByBatchNo: transaction({ DIVI: alpha(3), INBN: num(10, 0, true) }, (input, ctx) => {
    divisionOf(input, ctx);
    const batch = batchOf(ctx, input.INBN!);
    const { head } = batch;
    if (head.SUPA === VALIDATED) throw nok('INBN', 'WIN0105', `Invoice batch ${input.INBN} is already validated`);
    const fail = (field: string, code: string, message: string, lineError: boolean) => {
      head.SUPA = REJECTED_BY_VALIDATION;
      if (lineError) head.IBLE = '1';
      else head.IBHE = '1';
      return nok(field, code, message);
    };
    if (batch.lines.length === 0) throw fail('INBN', 'WIN0110', `Invoice batch ${input.INBN} has no lines`, false);
    for (const line of batch.lines.filter((l) => l.RDTP === PO_LINE)) {
      const order = ctx.state.purchaseOrders.get(line.PUNO!);
      const poLine = order?.lines.get(line.PNLI!);
      if (!order || !poLine) {
        throw fail('PNLI', 'WPN0103', `Line ${line.TRNO}: purchase order line ${line.PUNO}/${line.PNLI} does not exist`, true);
      }
      if (order.head.SUNO !== head.SUNO) {
        throw fail('PUNO', 'WPU0121', `Line ${line.TRNO}: purchase order ${line.PUNO} belongs to supplier ${order.head.SUNO}`, true);
      }
    }
    ctx.state.series.vono += 1;
    for (const line of batch.lines.filter((l) => l.RDTP === PO_LINE)) {
      const poLine = ctx.state.purchaseOrders.get(line.PUNO!)!.lines.get(line.PNLI!)!;
      poLine.IVQA = formatNumber(Number(poLine.IVQA ?? '0') + Number(line.IVQA ?? '0'));
    }
    Object.assign(head, { SUPA: VALIDATED, IBHE: '0', IBLE: '0', VONO: String(ctx.state.series.vono), YEA4: head.ACDT!.slice(0, 4) });
    return [];
  }),
};
