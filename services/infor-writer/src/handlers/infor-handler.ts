import { MlcError } from '@mlc/errors';
import { mapped, type CanonicalEvent, type InvoiceEvent, type PurchaseOrderEvent, type SupplierEvent } from '@mlc/events';
import {
  invoicePoNumbers,
  isTransferableInvoice,
  isTransferablePurchaseOrder,
  m3SupplierUpdate,
  planPoLineChanges,
  toM3Invoice,
  toM3PurchaseOrder,
  toM3Supplier,
  type InforApi,
  type InforMapping,
  type M3InvoiceLine,
  type M3PurchaseOrder,
} from '@mlc/infor';
import type { Logger } from '@mlc/log';
import {
  createDependencyCache,
  createWritePath,
  dependencyMissing,
  targetRefFor,
  unwrapMapped,
  type ForceOption,
  type SupplierAdmission,
  type SupplierLeaf,
  type TargetRecord,
  type TargetRecordStore,
  type WriteResult,
} from '@mlc/writer';

/** Supplier leaves `toM3Supplier` writes to M3 (CIDMAS holds only the phone and country of contact and address). */
export function m3SupplierWrites(mapping: InforMapping): SupplierLeaf[] {
  const bank = Object.keys(mapping.supplier.bankFields).map((field) => `bank.${field}` as SupplierLeaf);
  return ['name', 'status', 'currency', 'paymentTerms', 'taxId', 'contact.phone', 'address.country', ...bank];
}

export interface InforHandlerDeps {
  infor: InforApi;
  records: TargetRecordStore;
  mapping: InforMapping;
  /** Two-way sync's admission of supplier changes (echoes, ownership); unset: every change is written whole. */
  admitSupplier?: SupplierAdmission;
  logger?: Logger;
  /** How long a supplier confirmed in M3 is trusted without asking again. */
  dependencyCacheMs?: number;
  now?: () => number;
}

const SYSTEM = 'infor';
// The PPS370MI entry (MSGN, then PUNO) of a PO being created, remembered before FinishEntry: the
// only way back to an M3-numbered order after a crash, since M3 has no lookup by our reference.
const PO_ENTRY = 'purchase-order.m3-entry';

/** Runs an M3 write; its MlcError comes back saying which order and lines it was about. */
async function about<T>(what: string, context: Record<string, unknown>, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof MlcError)) throw error;
    throw new MlcError(error.code, `${what}: ${error.message}`, { cause: error, context: { ...error.context, ...context } });
  }
}

function parseEntry(record: TargetRecord | undefined): { msgn: string; puno?: string } | undefined {
  const match = /^msgn:([^;]+)(?:;puno:(.+))?$/.exec(record?.targetId ?? '');
  if (!match) return undefined;
  return match[2] === undefined ? { msgn: match[1]! } : { msgn: match[1]!, puno: match[2] };
}

/**
 * infor-writer's handler: one canonical Coupa event in, M3 written through the InforApi port.
 * Idempotent by look-up before every create (CRS620MI GetBasicData, the remembered PPS370MI entry
 * and PPS200MI GetHead, APS450MI LstInvBySupInv), so a replay or a crash between the M3 call and
 * the commit never creates a second supplier, order or invoice batch. A PO whose supplier, or an
 * invoice whose PO, is not in M3 yet throws MLC_DEPENDENCY_MISSING (retried in place).
 */
export function createInforHandler({ infor, records, mapping, admitSupplier, logger, dependencyCacheMs = 60_000, now = Date.now }: InforHandlerDeps) {
  const { decide, remember, result, upsert } = createWritePath({ system: SYSTEM, records });
  const known = createDependencyCache({ ttlMs: dependencyCacheMs, now });

  function requireSupplier(suno: string, context: Record<string, unknown>): Promise<void> {
    return known.require(`supplier:${suno}`, async () => (await infor.getSupplier(suno)) !== undefined, {
      message: `supplier ${suno} is not in M3 yet`,
      context: { ...context, supplierNumber: suno },
    });
  }

  async function supplier(event: SupplierEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const admitted = admitSupplier ? await admitSupplier(event, replay) : undefined;
    if (admitted?.write === false) return admitted.result;
    const written = await upsert({
      event,
      replay,
      // The record read with the sync state, and written with it (one statement each side of the calls).
      ...(admitted ? { previous: { record: admitted.previous }, remember: admitted.remember } : {}),
      // AddSupplier needs the whole supplier; UpdSupplier gets the admitted groups (all, without two-way sync).
      body: () => {
        const whole = toM3Supplier(admitted?.data ?? event.data, mapping);
        return whole.ok ? mapped({ whole: whole.value, update: admitted ? m3SupplierUpdate(whole.value, admitted.groups, mapping) : whole.value }) : whole;
      },
      // SUNO is the natural key: M3 says by GetBasicData whether the supplier is there.
      updateRememberedId: false,
      find: async ({ whole }) => ((await infor.getSupplier(whole.SUNO)) === undefined ? undefined : { id: whole.SUNO }),
      create: async ({ whole }) => {
        await infor.addSupplier(whole);
        return { id: whole.SUNO };
      },
      update: async (_suno, { update }) => {
        await infor.updateSupplier(update);
        return { id: update.SUNO };
      },
    });
    return admitted ? admitted.settle(written) : written;
  }

  async function purchaseOrder(event: PurchaseOrderEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const { data } = event;
    if (!isTransferablePurchaseOrder(data, mapping)) return result('skipped');
    const ref = targetRefFor(event, SYSTEM);
    // Forced, an order M3 has is compared line by line with the (re-)mapped PO: what differs is
    // written ('updated'), an order already equal stays 'unchanged'.
    const decided = await decide(event, ref, replay);
    if (!decided.write) return decided.result;
    const order = unwrapMapped(toM3PurchaseOrder(data, mapping), event);
    const context = { eventId: event.id, poNumber: data.number };

    const knownPuno = decided.previous?.targetId;
    if (knownPuno && (await infor.getPurchaseOrder(knownPuno)) !== undefined) {
      const changed = await changeExistingOrder(knownPuno, order, context);
      await remember(ref, event, knownPuno);
      return result(changed ? 'updated' : 'unchanged', knownPuno);
    }

    await requireSupplier(order.head.SUNO, context);
    const entryRef = targetRefFor(event, SYSTEM, { entityType: PO_ENTRY });
    const pending = parseEntry(await records.get(entryRef));
    if (pending) {
      if (pending.puno !== undefined && (await infor.getPurchaseOrder(pending.puno)) !== undefined) {
        // An earlier attempt finished the entry but did not get to remember it.
        await remember(ref, event, pending.puno);
        return result('created', pending.puno);
      }
      await infor.deletePoEntry(pending.msgn);
    }

    const msgn = await infor.startPoEntry(mapping.purchaseOrder.batchOrigin);
    await remember(entryRef, event, `msgn:${msgn}`);
    let puno: string;
    try {
      puno = await infor.addPoHead(msgn, order.head);
      await remember(entryRef, event, `msgn:${msgn};puno:${puno}`);
      await infor.addPoEntryLines(msgn, puno, order.lines);
      await infor.finishPoEntry(msgn);
    } catch (error) {
      // A permanent refusal goes to the DLQ: leave no half-built entry behind. A transient one
      // keeps the entry, which the retry resolves through the remembered MSGN/PUNO.
      if (error instanceof MlcError && !error.retriable) {
        await infor.deletePoEntry(msgn).catch((cleanup: unknown) => logger?.warn({ err: cleanup, msgn, ...context }, 'could not delete the PPS370MI entry'));
      }
      throw error;
    }
    await remember(ref, event, puno);
    return result('created', puno);
  }

  /**
   * Brings the lines of an order M3 already has in line with the Coupa PO: new lines added
   * (PPS200MI AddLine), lines whose quantity, price, date or name differ updated (UpdLine). Lines
   * gone from the Coupa PO are left in M3 (an order line may already be received or invoiced)
   * and reported. Whether anything was written.
   */
  async function changeExistingOrder(puno: string, order: M3PurchaseOrder, context: Record<string, unknown>): Promise<boolean> {
    const changes = planPoLineChanges(order.lines, await infor.listPurchaseOrderLines(puno));
    const where = { ...context, puno };
    for (const pnli of changes.orphaned) {
      logger?.warn({ ...where, pnli }, 'M3 order line is no longer on the Coupa PO; left in M3 as it is');
    }
    for (const { PNLI, fields } of changes.unchangeable) {
      logger?.warn({ ...where, pnli: PNLI, fields }, 'changed on the Coupa PO but not changeable on an existing M3 order line; not sent');
    }
    const lineNumbers = (lines: ReadonlyArray<{ PNLI: string }>) => lines.map((l) => l.PNLI);
    if (changes.add.length > 0) {
      const lines = lineNumbers(changes.add);
      await about(`adding lines ${lines.join(', ')} to M3 order ${puno}`, { ...where, lines }, () => infor.addPurchaseOrderLines(puno, changes.add));
    }
    if (changes.update.length > 0) {
      const lines = lineNumbers(changes.update);
      await about(`updating lines ${lines.join(', ')} of M3 order ${puno}`, { ...where, lines }, () => infor.updatePurchaseOrderLines(puno, changes.update));
    }
    return changes.add.length + changes.update.length > 0;
  }

  async function invoice(event: InvoiceEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const { data } = event;
    if (!isTransferableInvoice(data, mapping)) return result('skipped');
    const ref = targetRefFor(event, SYSTEM);
    const decided = await decide(event, ref, replay);
    if (!decided.write) return decided.result;
    const context = { eventId: event.id, invoiceNumber: data.number, supplierNumber: data.supplierNumber };
    if (decided.previous?.targetId) {
      // A validated AP batch is a voucher: it is corrected in M3, not overwritten from Coupa, even
      // by a forced replay.
      logger?.warn({ ...context, inbn: decided.previous.targetId }, 'invoice changed after it reached M3; not sent again');
      return result('skipped', decided.previous.targetId);
    }

    await requireSupplier(data.supplierNumber, context);
    const orders = new Map<string, { puno: string; lines: Set<string> }>();
    for (const poNumber of invoicePoNumbers(data)) {
      const puno = (await records.get(targetRefFor(event, SYSTEM, { entityType: 'purchase-order', naturalKey: poNumber })))?.targetId;
      if (!puno) throw dependencyMissing(`purchase order ${poNumber} is not in M3 yet`, { ...context, poNumber });
      orders.set(poNumber, { puno, lines: new Set((await infor.listPurchaseOrderLines(puno)).map((l) => l.PNLI ?? '')) });
    }
    const batch = unwrapMapped(toM3Invoice(data, orders, mapping), event);

    const key = { suno: batch.head.SUNO, spyn: batch.head.SPYN ?? batch.head.SUNO, sino: batch.head.SINO };
    const existing = await infor.findInvoiceBatches(key);
    const validated = existing.find((b) => b.SUPA === '2');
    if (validated) {
      await remember(ref, event, validated.INBN);
      return result('created', validated.INBN);
    }
    const open = existing.find((b) => b.SUPA === '0');
    let inbn: string;
    if (open) {
      // An earlier attempt stopped between AddHead and ValidByBatchNo: finish that batch.
      inbn = open.INBN;
      await infor.addInvoiceLines(inbn, missingLines(batch.lines, await infor.listInvoiceLines(inbn)));
    } else {
      inbn = await infor.addInvoiceHead(batch.head);
      await infor.addInvoiceLines(inbn, batch.lines);
    }
    await infor.validateInvoiceBatch(inbn);
    await remember(ref, event, inbn);
    return result('created', inbn);
  }

  /** `replay`: the handler context's; a forced replay writes the same content again where M3 allows it. */
  return async function handle(event: CanonicalEvent, { replay }: { replay?: ForceOption | undefined } = {}): Promise<WriteResult> {
    switch (event.type) {
      case 'supplier.changed':
        return supplier(event, replay);
      case 'purchase-order.changed':
        return purchaseOrder(event, replay);
      case 'invoice.changed':
        return invoice(event, replay);
      case 'gl-account.changed':
      case 'cost-centre.changed':
        // M3 owns its chart of accounts; infor-writer does not subscribe to these.
        return result('skipped');
      default: {
        const unknownEvent: never = event;
        throw new Error(`infor-writer has no handler for ${JSON.stringify(unknownEvent)}`);
      }
    }
  };
}

/** Lines of `wanted` not yet in the batch, matched by PO line (a multiset: two lines may match the same PO line). */
function missingLines(wanted: readonly M3InvoiceLine[], present: ReadonlyArray<Record<string, string>>): M3InvoiceLine[] {
  const left = present.map((l) => `${l.PUNO}/${Number(l.PNLI)}`);
  return wanted.filter((line) => {
    const at = left.indexOf(`${line.PUNO}/${Number(line.PNLI)}`);
    if (at === -1) return true;
    left.splice(at, 1);
    return false;
  });
}
