import { SUPPLIERS_PER_FIND, listableSupplierNumber, type CoupaApi, type CoupaMapping, type CoupaSupplier } from '@mlc/coupa';
import { coalesce } from '@mlc/db';
import { coupaSupplierUpdate, toCoupaAccount, toCoupaInvoice, toCoupaLookupValue, toCoupaPurchaseOrder, toCoupaSupplier } from '@mlc/coupa';
import { mapped, type CanonicalEvent, type CostCentreEvent, type GlAccountEvent, type InvoiceEvent, type PurchaseOrderEvent, type SupplierEvent } from '@mlc/events';
import { SUPPLIER_LEAVES, createDependencyCache, createWritePath, type ForceOption, type SupplierAdmission, type SupplierLeaf, type TargetRecordStore, type WriteResult } from '@mlc/writer';

/** Supplier fields coupa-writer writes to Coupa (`toCoupaSupplier`): all but currency and bank details. */
export const COUPA_SUPPLIER_WRITES: readonly SupplierLeaf[] = SUPPLIER_LEAVES.filter((leaf) => leaf !== 'currency' && !leaf.startsWith('bank.'));

export interface CoupaHandlerDeps {
  coupa: CoupaApi;
  records: TargetRecordStore;
  mapping: CoupaMapping;
  /** Two-way sync's admission of supplier changes (echoes, ownership); unset: every change is written whole. */
  admitSupplier?: SupplierAdmission;
  /** How long a confirmed dependency (supplier, lookup value) is trusted without asking again. */
  dependencyCacheMs?: number;
  now?: () => number;
}

/**
 * coupa-writer's handler: one canonical SYSPRO event in, one Coupa record written (or nothing,
 * when it was already written). Transient failures throw retriable errors, so the runtime retries
 * in place; mapping failures throw MLC_MAPPING_FAILED and go to the DLQ.
 */
export function createCoupaHandler({ coupa, records, mapping, admitSupplier, dependencyCacheMs = 60_000, now = Date.now }: CoupaHandlerDeps) {
  const { upsert } = createWritePath({ system: 'coupa', records });
  const known = createDependencyCache({ ttlMs: dependencyCacheMs, now });

  // The suppliers looked for at the same moment (the records the runtime handles side by side, a
  // backfill's new suppliers) are asked for in one call: a new supplier costs its create and a
  // share of one find, not a find of its own, against Coupa's rate limit. One number is asked for
  // as before; a failed call fails each of its callers, each retried as its own record.
  const findSuppliers = coalesce(
    async (numbers: readonly string[]): Promise<Array<CoupaSupplier | undefined>> => {
      if (numbers.length === 1) return [await coupa.findSupplierByNumber(numbers[0]!)];
      const found = await coupa.findSuppliersByNumbers(numbers);
      return numbers.map((number) => found.get(number));
    },
    { maxBatch: SUPPLIERS_PER_FIND, keyOf: (number) => number },
  );
  const findSupplier = (number: string): Promise<CoupaSupplier | undefined> => (listableSupplierNumber(number) ? findSuppliers(number) : coupa.findSupplierByNumber(number));

  function requireSupplier(supplierNumber: string, context: Record<string, unknown>): Promise<void> {
    return known.require(`supplier:${supplierNumber}`, async () => (await findSupplier(supplierNumber)) !== undefined, {
      message: `supplier ${supplierNumber} is not in Coupa yet`,
      context: { ...context, supplierNumber },
    });
  }

  async function requireAccountValues(lines: ReadonlyArray<{ lineNumber: number; glAccount?: string | undefined; costCentre?: string | undefined }>, context: Record<string, unknown>): Promise<void> {
    for (const dimension of mapping.account.segments) {
      const lookupName = dimension === 'glAccount' ? mapping.lookups.glAccount : mapping.lookups.costCentre;
      const codes = new Set(lines.map((l) => l[dimension]).filter((c): c is string => Boolean(c)));
      for (const code of codes) {
        await known.require(`lookup:${lookupName}:${code}`, async () => (await coupa.findLookupValue(lookupName, code)) !== undefined, {
          message: `${lookupName} value ${code} is not in Coupa yet`,
          context: { ...context, lookup: lookupName, code },
        });
      }
    }
    // The combination of segments is a Coupa account of its own; create it once its values exist.
    const chart = mapping.account.chartOfAccounts;
    for (const line of lines) {
      const coded = toCoupaAccount(line, mapping);
      if ('missing' in coded) continue;
      const { account } = coded;
      await known.confirm(`account:${chart}:${account.code}`, async () => {
        if (await coupa.findAccount(account.code, chart)) return true;
        try {
          await coupa.createAccount({ ...account, name: account.code, active: true });
        } catch (error) {
          // Another partition (a PO and an invoice on the same account) created it between our
          // find and create: Coupa refuses the duplicate code, and the account is there.
          if (!(await coupa.findAccount(account.code, chart))) throw error;
        }
        return true;
      });
    }
  }

  function purchaseOrder(event: PurchaseOrderEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const ctx = { eventId: event.id, poNumber: event.data.number };
    return upsert({
      event,
      replay,
      body: () => toCoupaPurchaseOrder(event.data, mapping),
      dependencies: async () => {
        await requireSupplier(event.data.supplierNumber, ctx);
        await requireAccountValues(event.data.lines, ctx);
      },
      find: () => coupa.findPurchaseOrderByNumber(event.data.number),
      create: (body) => coupa.createPurchaseOrder(body),
      update: async (id, body) => {
        // Coupa changes an order line only when the update names its id; matched on line number.
        const current = await coupa.findPurchaseOrderByNumber(body['po-number']);
        const ids = new Map((current?.id === Number(id) ? (current['order-lines'] ?? []) : []).map((l) => [l['line-num'], l.id]));
        const lines = body['order-lines'].map((l) => {
          const lineId = ids.get(String(l['line-num']));
          return lineId === undefined ? l : { ...l, id: lineId };
        });
        const updated = await coupa.updatePurchaseOrder(Number(id), { ...body, 'order-lines': lines });
        // A snapshot is the whole document: a line the ERP no longer has is removed from Coupa
        // (which refuses, as a validation error, lines it cannot remove, such as invoiced ones).
        const removed = removedLines(current?.id === Number(id) ? (current['order-lines'] ?? []) : [], body['order-lines']);
        for (const line of removed) await coupa.deleteOrderLine(line.id, { poNumber: body['po-number'], lineNumber: Number(line['line-num']) });
        return removed.length === 0 ? updated : ((await coupa.findPurchaseOrderByNumber(body['po-number'])) ?? updated);
      },
    });
  }

  function invoice(event: InvoiceEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const ctx = { eventId: event.id, invoiceNumber: event.data.number, supplierNumber: event.data.supplierNumber };
    return upsert({
      event,
      replay,
      body: () => toCoupaInvoice(event.data, mapping),
      dependencies: async () => {
        await requireSupplier(event.data.supplierNumber, ctx);
        const poNumbers = new Set(event.data.lines.map((l) => l.poNumber ?? event.data.poNumber).filter((n): n is string => Boolean(n)));
        for (const poNumber of poNumbers) {
          await known.require(`po:${poNumber}`, async () => (await coupa.findPurchaseOrderByNumber(poNumber)) !== undefined, {
            message: `purchase order ${poNumber} is not in Coupa yet`,
            context: { ...ctx, poNumber },
          });
        }
        await requireAccountValues(event.data.lines.filter((l) => l.poLineNumber === undefined), ctx);
      },
      find: () => coupa.findInvoice(event.data.number, event.data.supplierNumber),
      create: (body) => coupa.createInvoice(body),
      update: (id, body) => coupa.updateInvoice(Number(id), body),
    });
  }

  // Lookup values need their parent lookup. Checked on first use, not at start-up, so the writer
  // starts whatever Coupa's state; a failed check is retried with the next event.
  let lookupsReady: Promise<void> | undefined;
  function requireLookups(): Promise<void> {
    lookupsReady ??= ensureLookups(coupa, mapping).catch((error: unknown) => {
      lookupsReady = undefined;
      throw error;
    });
    return lookupsReady;
  }

  function lookupValue(event: GlAccountEvent | CostCentreEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const kind = event.entity.type;
    const lookupName = kind === 'gl-account' ? mapping.lookups.glAccount : mapping.lookups.costCentre;
    return upsert({
      event,
      replay,
      body: () => toCoupaLookupValue(kind, event.data, mapping),
      dependencies: requireLookups,
      find: () => coupa.findLookupValue(lookupName, event.data.code),
      create: (body) => coupa.createLookupValue(body),
      update: (id, body) => coupa.updateLookupValue(Number(id), body),
    });
  }

  async function supplier(event: SupplierEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const admitted = admitSupplier ? await admitSupplier(event, replay) : undefined;
    if (admitted?.write === false) return admitted.result;
    const data = admitted?.data ?? event.data;
    const written = await upsert({
      event,
      replay,
      // The record read with the sync state, and written with it (one statement each side of the calls).
      ...(admitted ? { previous: { record: admitted.previous }, remember: admitted.remember } : {}),
      // A create needs the whole supplier; an update sends the groups admitted (all, without two-way sync).
      body: () => {
        const whole = toCoupaSupplier(data, mapping);
        return whole.ok ? mapped({ whole: whole.value, update: admitted ? coupaSupplierUpdate(whole.value, admitted.groups) : whole.value }) : whole;
      },
      find: () => findSupplier(event.data.number),
      create: (body) => coupa.createSupplier(body.whole),
      update: (id, body) => coupa.updateSupplier(Number(id), body.update),
    });
    return admitted ? admitted.settle(written) : written;
  }

  /** `replay`: the handler context's; a forced replay writes the same content again. */
  return async function handle(event: CanonicalEvent, { replay }: { replay?: ForceOption | undefined } = {}): Promise<WriteResult> {
    switch (event.type) {
      case 'supplier.changed':
        return supplier(event, replay);
      case 'gl-account.changed':
      case 'cost-centre.changed':
        return lookupValue(event, replay);
      case 'purchase-order.changed':
        return purchaseOrder(event, replay);
      case 'invoice.changed':
        return invoice(event, replay);
      default: {
        const unknownEvent: never = event;
        throw new Error(`coupa-writer has no handler for ${JSON.stringify(unknownEvent)}`);
      }
    }
  };
}

/** Lines Coupa has that the written snapshot no longer names (matched on line number). Pure. */
export function removedLines<L extends { id: number; 'line-num': string | number }>(current: readonly L[], written: ReadonlyArray<{ 'line-num': number | string }>): L[] {
  const kept = new Set(written.map((l) => String(l['line-num'])));
  return current.filter((l) => !kept.has(String(l['line-num'])));
}

/** Lookup values need their parent lookup: verify the configured lookups exist, creating them if not. */
async function ensureLookups(coupa: CoupaApi, mapping: CoupaMapping): Promise<void> {
  for (const name of new Set([mapping.lookups.glAccount, mapping.lookups.costCentre])) {
    if (!(await coupa.findLookupByName(name))) await coupa.createLookup(name);
  }
}
