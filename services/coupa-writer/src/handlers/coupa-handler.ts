import type { CoupaApi, CoupaMapping } from '@mlc/coupa';
import { toCoupaAccount, toCoupaInvoice, toCoupaLookupValue, toCoupaPurchaseOrder, toCoupaSupplier } from '@mlc/coupa';
import type { CanonicalEvent, CostCentreEvent, GlAccountEvent, InvoiceEvent, PurchaseOrderEvent } from '@mlc/events';
import { createDependencyCache, createWritePath, type ForceOption, type TargetRecordStore, type WriteResult } from '@mlc/writer';

export interface CoupaHandlerDeps {
  coupa: CoupaApi;
  records: TargetRecordStore;
  mapping: CoupaMapping;
  /** How long a confirmed dependency (supplier, lookup value) is trusted without asking again. */
  dependencyCacheMs?: number;
  now?: () => number;
}

/**
 * coupa-writer's handler: one canonical SYSPRO event in, one Coupa record written (or nothing,
 * when it was already written). Transient failures throw retriable errors, so the runtime retries
 * in place; mapping failures throw MLC_MAPPING_FAILED and go to the DLQ.
 */
export function createCoupaHandler({ coupa, records, mapping, dependencyCacheMs = 60_000, now = Date.now }: CoupaHandlerDeps) {
  const { upsert } = createWritePath({ system: 'coupa', records });
  const known = createDependencyCache({ ttlMs: dependencyCacheMs, now });

  function requireSupplier(supplierNumber: string, context: Record<string, unknown>): Promise<void> {
    return known.require(`supplier:${supplierNumber}`, async () => (await coupa.findSupplierByNumber(supplierNumber)) !== undefined, {
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
        return coupa.updatePurchaseOrder(Number(id), { ...body, 'order-lines': lines });
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

  /** `replay`: the handler context's; a forced replay writes the same content again. */
  return async function handle(event: CanonicalEvent, { replay }: { replay?: ForceOption | undefined } = {}): Promise<WriteResult> {
    switch (event.type) {
      case 'supplier.changed':
        return upsert({
          event,
          replay,
          body: () => toCoupaSupplier(event.data, mapping),
          find: () => coupa.findSupplierByNumber(event.data.number),
          create: (body) => coupa.createSupplier(body),
          update: (id, body) => coupa.updateSupplier(Number(id), body),
        });
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

/** Lookup values need their parent lookup: verify the configured lookups exist, creating them if not. */
async function ensureLookups(coupa: CoupaApi, mapping: CoupaMapping): Promise<void> {
  for (const name of new Set([mapping.lookups.glAccount, mapping.lookups.costCentre])) {
    if (!(await coupa.findLookupByName(name))) await coupa.createLookup(name);
  }
}
