import { createTable, type Table } from './table.js';
import type {
  AccountRecord,
  AccountTypeRecord,
  InvoiceLineRecord,
  InvoiceRecord,
  LookupRecord,
  LookupValueRecord,
  OrderLineRecord,
  PurchaseOrderRecord,
  SupplierRecord,
} from './records.js';
import type {
  AccountCreate,
  AccountUpdate,
  InvoiceCreate,
  InvoiceUpdate,
  LookupCreate,
  LookupValueCreate,
  LookupValueUpdate,
  OrderLineIn,
  PurchaseOrderCreate,
  PurchaseOrderUpdate,
  SupplierCreate,
  SupplierUpdate,
} from './inputs.js';

export type Errors = Record<string, string[]>;
export type Outcome<T> = { ok: true; record: T } | { ok: false; status: 400 | 404; errors: Errors };

const TAKEN = 'has already been taken';

export interface CoupaState {
  suppliers: Table<SupplierRecord>;
  purchaseOrders: Table<PurchaseOrderRecord>;
  invoices: Table<InvoiceRecord>;
  lookups: Table<LookupRecord>;
  lookupValues: Table<LookupValueRecord>;
  accountTypes: Table<AccountTypeRecord>;
  accounts: Table<AccountRecord>;
  /** Line ids are global across POs (and across invoices), as in Coupa's purchase_order_lines resource. */
  nextOrderLineId(): number;
  nextInvoiceLineId(): number;
}

export function createState(): CoupaState {
  let orderLineId = 0;
  let invoiceLineId = 0;
  return {
    suppliers: createTable<SupplierRecord>([
      { field: 'number', key: (s) => s.number ?? undefined },
    ]),
    purchaseOrders: createTable<PurchaseOrderRecord>([{ field: 'po-number', key: (p) => p['po-number'] }]),
    invoices: createTable<InvoiceRecord>([{ field: 'invoice-number', key: (i) => `${i.supplier.id}|${i['invoice-number']}` }]),
    lookups: createTable<LookupRecord>([{ field: 'name', key: (l) => l.name }]),
    lookupValues: createTable<LookupValueRecord>([
      { field: 'name', key: (v) => `${v['lookup-id']}|${v.name}` },
      { field: 'external-ref-num', key: (v) => (v['external-ref-num'] === null ? undefined : `${v['lookup-id']}|${v['external-ref-num']}`) },
      { field: 'external-ref-code', key: (v) => (v['external-ref-code'] === null ? undefined : `${v['lookup-id']}|${v['external-ref-code']}`) },
    ]),
    accountTypes: createTable<AccountTypeRecord>([{ field: 'name', key: (t) => t.name }]),
    accounts: createTable<AccountRecord>([{ field: 'code', key: (a) => `${a['account-type'].id}|${a.code}` }]),
    nextOrderLineId: () => ++orderLineId,
    nextInvoiceLineId: () => ++invoiceLineId,
  };
}

function fail<T>(errors: Errors, status: 400 | 404 = 400): Outcome<T> {
  return { ok: false, status, errors };
}
const notFound = <T>(what: string): Outcome<T> => fail({ base: [`${what} not found`] }, 404);

function guarded<T extends { id: number }>(table: Table<T>, record: T): Outcome<T> {
  const taken = table.conflicts(record);
  if (taken.length > 0) return fail(Object.fromEntries(taken.map((f) => [f, [TAKEN]])));
  return { ok: true, record: table.put(record) };
}

/** Applies only the keys present in `patch` (undefined = not sent), leaving the rest as they were. */
function merge<T extends object>(base: T, patch: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return out as T;
}

const nul = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
const money = (n: number): string => n.toFixed(2);

function fullAddress(a: SupplierCreate['primary-address']): SupplierRecord['primary-address'] {
  if (!a) return null;
  return {
    name: nul(a.name),
    street1: nul(a.street1),
    street2: nul(a.street2),
    city: nul(a.city),
    state: nul(a.state),
    'postal-code': nul(a['postal-code']),
    country: nul(a.country),
  };
}
function fullContact(c: SupplierCreate['primary-contact']): SupplierRecord['primary-contact'] {
  if (!c) return null;
  return { email: nul(c.email), 'name-given': nul(c['name-given']), 'name-family': nul(c['name-family']), 'phone-work': nul(c['phone-work']) };
}

export function createSupplier(state: CoupaState, input: SupplierCreate, at: string): Outcome<SupplierRecord> {
  return guarded(state.suppliers, {
    id: state.suppliers.nextId(),
    'created-at': at,
    'updated-at': at,
    name: input.name,
    'display-name': input['display-name'] ?? input.name,
    number: nul(input.number),
    status: input.status ?? 'active',
    'payment-term': nul(input['payment-term']),
    'tax-id': nul(input['tax-id']),
    'primary-contact': fullContact(input['primary-contact']),
    'primary-address': fullAddress(input['primary-address']),
    'po-method': input['po-method'] ?? 'prompt',
    'payment-method': input['payment-method'] ?? 'invoice',
    'invoice-matching-level': input['invoice-matching-level'] ?? '3-way',
    'on-hold': input['on-hold'] ?? false,
    currency: nul(input.currency),
  });
}

export function updateSupplier(state: CoupaState, id: number, patch: SupplierUpdate, at: string): Outcome<SupplierRecord> {
  const current = state.suppliers.get(id);
  if (!current) return notFound('supplier');
  const next = merge(current, {
    ...patch,
    'primary-contact': patch['primary-contact'] === undefined ? undefined : fullContact(patch['primary-contact']),
    'primary-address': patch['primary-address'] === undefined ? undefined : fullAddress(patch['primary-address']),
    'updated-at': at,
  });
  return guarded(state.suppliers, next);
}

function resolveSupplier(state: CoupaState, ref: { id?: number | undefined; number?: string | undefined; name?: string | undefined }) {
  if (ref.id !== undefined) return state.suppliers.get(ref.id);
  if (ref.number !== undefined) return state.suppliers.findBy('number', ref.number);
  for (const s of state.suppliers.all()) if (s.name === ref.name) return s;
  return undefined;
}
const supplierRef = (s: SupplierRecord) => ({ id: s.id, name: s.name, number: s.number ?? undefined });

function resolveAccount(state: CoupaState, ref: { id?: number | undefined; code?: string | undefined }) {
  if (ref.id !== undefined) return state.accounts.get(ref.id);
  for (const a of state.accounts.all()) if (a.code === ref.code) return a;
  return undefined;
}

function toOrderLine(state: CoupaState, line: OrderLineIn, lineNum: number, at: string, errors: Errors): OrderLineRecord {
  const account = line.account ? resolveAccount(state, line.account) : undefined;
  if (line.account && !account) (errors['order-lines.account'] ??= []).push('Account not found');
  return {
    id: state.nextOrderLineId(),
    'created-at': at,
    'updated-at': at,
    'line-num': line['line-num'] ?? lineNum,
    description: line.description,
    quantity: line.quantity,
    price: line.price,
    total: money(Number(line.quantity) * Number(line.price)),
    uom: nul(line.uom),
    'need-by-date': nul(line['need-by-date']),
    account: account ? { id: account.id, code: account.code, name: account.name } : null,
    'source-part-num': nul(line['source-part-num']),
  };
}

const sumTotals = (lines: ReadonlyArray<{ total: string }>): string => money(lines.reduce((s, l) => s + Number(l.total), 0));

function duplicateLineNums(lines: ReadonlyArray<{ 'line-num': number }>): boolean {
  return new Set(lines.map((l) => l['line-num'])).size !== lines.length;
}

export function createPurchaseOrder(state: CoupaState, input: PurchaseOrderCreate, at: string): Outcome<PurchaseOrderRecord> {
  const errors: Errors = {};
  const supplier = resolveSupplier(state, input.supplier);
  if (!supplier) errors.supplier = ['Supplier not found'];
  const lines = input['order-lines'].map((l, i) => toOrderLine(state, l, i + 1, at, errors));
  if (duplicateLineNums(lines)) (errors['order-lines.line-num'] ??= []).push(TAKEN);
  if (Object.keys(errors).length > 0 || !supplier) return fail(errors);
  return guarded(state.purchaseOrders, {
    id: state.purchaseOrders.nextId(),
    'created-at': at,
    'updated-at': at,
    'po-number': input['po-number'],
    type: 'ExternalOrderHeader',
    status: input.status ?? 'issued',
    version: 1,
    'internal-revision': 1,
    exported: false,
    'acknowledged-at': null,
    'transmission-status': 'sent_via_integration',
    supplier: supplierRef(supplier),
    currency: input.currency ?? supplier.currency ?? { code: 'USD' },
    'payment-term': input['payment-term'] ?? supplier['payment-term'],
    total: sumTotals(lines),
    'order-lines': lines,
  });
}

/** A content change is a new supplier version, which is also what resets `exported` in Coupa. */
function bumped(po: PurchaseOrderRecord, at: string): PurchaseOrderRecord {
  return { ...po, version: po.version + 1, 'internal-revision': po['internal-revision'] + 1, exported: false, 'updated-at': at };
}

export function updatePurchaseOrder(state: CoupaState, id: number, patch: PurchaseOrderUpdate, at: string): Outcome<PurchaseOrderRecord> {
  const current = state.purchaseOrders.get(id);
  if (!current) return notFound('purchase order');
  const errors: Errors = {};
  let lines = current['order-lines'];
  for (const change of patch['order-lines'] ?? []) {
    if (change.id !== undefined) {
      const existing = lines.find((l) => l.id === change.id);
      if (!existing) {
        (errors['order-lines.id'] ??= []).push(`order line ${change.id} not found on this order`);
        continue;
      }
      const quantity = change.quantity ?? existing.quantity;
      const price = change.price ?? existing.price;
      const account = change.account ? resolveAccount(state, change.account) : undefined;
      if (change.account && !account) (errors['order-lines.account'] ??= []).push('Account not found');
      const updated: OrderLineRecord = {
        ...existing,
        description: change.description ?? existing.description,
        quantity,
        price,
        total: money(Number(quantity) * Number(price)),
        'line-num': change['line-num'] ?? existing['line-num'],
        uom: change.uom === undefined ? existing.uom : change.uom,
        'need-by-date': change['need-by-date'] === undefined ? existing['need-by-date'] : change['need-by-date'],
        account: account ? { id: account.id, code: account.code, name: account.name } : change.account === null ? null : existing.account,
        'updated-at': at,
      };
      lines = lines.map((l) => (l.id === change.id ? updated : l));
    } else if (change.description === undefined || change.quantity === undefined || change.price === undefined) {
      (errors['order-lines'] ??= []).push('a new line needs description, quantity and price');
    } else {
      const nextNum = Math.max(0, ...lines.map((l) => l['line-num'])) + 1;
      lines = [...lines, toOrderLine(state, { ...change, description: change.description, quantity: change.quantity, price: change.price }, nextNum, at, errors)];
    }
  }
  if (duplicateLineNums(lines)) (errors['order-lines.line-num'] ??= []).push(TAKEN);
  if (Object.keys(errors).length > 0) return fail(errors);
  const next = bumped(
    merge(current, { currency: patch.currency, 'payment-term': patch['payment-term'], 'order-lines': lines, total: sumTotals(lines) }),
    at,
  );
  return guarded(state.purchaseOrders, next);
}

/**
 * `DELETE /api/purchase_order_lines/:id` (Coupa documents the action, "Delete purchase order
 * line", but not when it is refused). **Assumptions**: a line an invoice line refers to, a line of
 * a cancelled or closed order, and the order's last line cannot be deleted (400); a deletion is a
 * change of the order (version bumped, `exported` reset) and the order's total is recomputed.
 */
export function deleteOrderLine(state: CoupaState, lineId: number, at: string): Outcome<PurchaseOrderRecord> {
  const po = [...state.purchaseOrders.all()].find((p) => p['order-lines'].some((l) => l.id === lineId));
  if (!po) return notFound('purchase order line');
  if (po.status === 'cancelled' || po.status === 'closed') return fail({ base: [`cannot delete a line of a ${po.status} order`] });
  if (po['order-lines'].length === 1) return fail({ base: ['cannot delete the last line of an order: cancel the order instead'] });
  if ([...state.invoices.all()].some((i) => i['invoice-lines'].some((l) => l['order-line-id'] === lineId))) {
    return fail({ base: ['cannot delete a line that has been invoiced'] });
  }
  const lines = po['order-lines'].filter((l) => l.id !== lineId);
  return guarded(state.purchaseOrders, bumped({ ...po, 'order-lines': lines, total: sumTotals(lines) }, at));
}

export type PurchaseOrderAction = 'issue' | 'cancel' | 'close';
const ACTION_STATUS = { issue: 'issued', cancel: 'cancelled', close: 'closed' } as const;

export function actOnPurchaseOrder(state: CoupaState, id: number, action: PurchaseOrderAction, at: string): Outcome<PurchaseOrderRecord> {
  const current = state.purchaseOrders.get(id);
  if (!current) return notFound('purchase order');
  if (current.status === 'cancelled' || (current.status === 'closed' && action !== 'close')) {
    return fail({ status: [`cannot ${action} a ${current.status} order`] });
  }
  const status = ACTION_STATUS[action];
  const next = action === 'issue' ? bumped({ ...current, status }, at) : { ...current, status, 'updated-at': at };
  return { ok: true, record: state.purchaseOrders.put(next) };
}

export function createInvoice(state: CoupaState, input: InvoiceCreate, at: string): Outcome<InvoiceRecord> {
  const errors: Errors = {};
  const supplier = resolveSupplier(state, input.supplier);
  if (!supplier) errors.supplier = ['Supplier not found'];
  const lines: InvoiceLineRecord[] = input['invoice-lines'].map((l, i) => {
    const account = l.account ? resolveAccount(state, l.account) : undefined;
    if (l.account && !account) (errors['invoice-lines.account'] ??= []).push('Account not found');
    return {
      id: state.nextInvoiceLineId(),
      'created-at': at,
      'updated-at': at,
      'line-num': i + 1,
      description: l.description,
      quantity: l.quantity,
      price: l.price,
      total: money(Number(l.quantity) * Number(l.price)),
      'order-line-id': nul(l['order-line-id']),
      'po-number': nul(l['po-number']),
      account: account ? { id: account.id, code: account.code, name: account.name } : null,
    };
  });
  if (Object.keys(errors).length > 0 || !supplier) return fail(errors);
  const gross = sumTotals(lines);
  const tax = input['tax-amount'] ?? '0.00';
  return guarded(state.invoices, {
    id: state.invoices.nextId(),
    'created-at': at,
    'updated-at': at,
    'invoice-number': input['invoice-number'],
    'invoice-date': input['invoice-date'],
    status: input.status ?? 'pending_approval',
    exported: false,
    supplier: supplierRef(supplier),
    currency: input.currency ?? supplier.currency ?? { code: 'USD' },
    'payment-term': input['payment-term'] ?? supplier['payment-term'],
    'gross-total': gross,
    'tax-amount': tax,
    'total-with-taxes': money(Number(gross) + Number(tax)),
    'invoice-lines': lines,
  });
}

export function updateInvoice(state: CoupaState, id: number, patch: InvoiceUpdate, at: string): Outcome<InvoiceRecord> {
  const current = state.invoices.get(id);
  if (!current) return notFound('invoice');
  return guarded(state.invoices, merge(current, { ...patch, 'updated-at': at }));
}

/** `PUT /api/<resource>/:id?exported=…` is its own action: it changes only the flag (and not updated-at). */
export function setExported<T extends { id: number; exported: boolean }>(table: Table<T>, id: number, exported: boolean): Outcome<T> {
  const current = table.get(id);
  if (!current) return notFound('record');
  return { ok: true, record: table.put({ ...current, exported }) };
}

export function createLookup(state: CoupaState, input: LookupCreate, at: string): Outcome<LookupRecord> {
  return guarded(state.lookups, {
    id: state.lookups.nextId(),
    'created-at': at,
    'updated-at': at,
    name: input.name,
    description: nul(input.description),
    active: input.active ?? true,
  });
}

export function updateLookup(state: CoupaState, id: number, patch: Partial<LookupCreate>, at: string): Outcome<LookupRecord> {
  const current = state.lookups.get(id);
  if (!current) return notFound('lookup');
  return guarded(state.lookups, merge(current, { ...patch, 'updated-at': at }));
}

function findByIdOrName<T extends { id: number; name: string }>(table: Table<T>, ref: { id?: number | undefined; name?: string | undefined }, within?: (r: T) => boolean) {
  if (ref.id !== undefined) {
    const r = table.get(ref.id);
    return r && (!within || within(r)) ? r : undefined;
  }
  for (const r of table.all()) if (r.name === ref.name && (!within || within(r))) return r;
  return undefined;
}

/** external-ref-code: the external-ref-nums from the root down, joined with '-' (Coupa derives it; clients don't set it). */
function refCode(parent: LookupValueRecord | undefined, refNum: string | null): string | null {
  if (refNum === null) return null;
  return parent?.['external-ref-code'] ? `${parent['external-ref-code']}-${refNum}` : refNum;
}

export function createLookupValue(state: CoupaState, input: LookupValueCreate, at: string): Outcome<LookupValueRecord> {
  const lookup = findByIdOrName(state.lookups, input.lookup);
  if (!lookup) return fail({ lookup: ['Lookup not found; the lookup must exist before its values'] });
  const parent = input.parent ? findByIdOrName(state.lookupValues, input.parent, (v) => v['lookup-id'] === lookup.id) : undefined;
  if (input.parent && !parent) return fail({ parent: ['Parent lookup value not found in this lookup'] });
  const refNum = nul(input['external-ref-num']);
  return guarded(state.lookupValues, {
    id: state.lookupValues.nextId(),
    'created-at': at,
    'updated-at': at,
    active: input.active ?? true,
    name: input.name,
    description: nul(input.description),
    'external-ref-num': refNum,
    'external-ref-code': refCode(parent, refNum),
    lookup: { id: lookup.id, name: lookup.name },
    'lookup-id': lookup.id,
    parent: parent ? { id: parent.id, name: parent.name } : null,
    'parent-id': parent?.id ?? null,
    depth: parent ? parent.depth + 1 : 0,
    'is-default': input['is-default'] ?? false,
  });
}

export function updateLookupValue(state: CoupaState, id: number, patch: LookupValueUpdate, at: string): Outcome<LookupValueRecord> {
  const current = state.lookupValues.get(id);
  if (!current) return notFound('lookup value');
  let parent = current['parent-id'] === null ? undefined : state.lookupValues.get(current['parent-id']);
  if (patch.parent !== undefined) {
    parent = patch.parent === null ? undefined : findByIdOrName(state.lookupValues, patch.parent, (v) => v['lookup-id'] === current['lookup-id']);
    if (patch.parent !== null && !parent) return fail({ parent: ['Parent lookup value not found in this lookup'] });
  }
  const refNum = patch['external-ref-num'] === undefined ? current['external-ref-num'] : patch['external-ref-num'];
  const { parent: _ignored, ...rest } = patch;
  return guarded(
    state.lookupValues,
    merge(current, {
      ...rest,
      'external-ref-code': refCode(parent, refNum),
      parent: parent ? { id: parent.id, name: parent.name } : null,
      'parent-id': parent?.id ?? null,
      depth: parent ? parent.depth + 1 : 0,
      'updated-at': at,
    }),
  );
}

const accountCode = (a: { 'segment-1': string | null; 'segment-2': string | null; 'segment-3': string | null }) =>
  [a['segment-1'], a['segment-2'], a['segment-3']].filter((s): s is string => !!s).join('-');

export function createAccount(state: CoupaState, input: AccountCreate, at: string): Outcome<AccountRecord> {
  const type = findByIdOrName(state.accountTypes, input['account-type']);
  if (!type) return fail({ 'account-type': ['Account type (chart of accounts) not found'] });
  const segments = { 'segment-1': input['segment-1'], 'segment-2': nul(input['segment-2']), 'segment-3': nul(input['segment-3']) };
  const code = accountCode(segments);
  return guarded(state.accounts, {
    id: state.accounts.nextId(),
    'created-at': at,
    'updated-at': at,
    name: input.name ?? code,
    code,
    active: input.active ?? true,
    'account-type': { id: type.id, name: type.name },
    ...segments,
  });
}

export function updateAccount(state: CoupaState, id: number, patch: AccountUpdate, at: string): Outcome<AccountRecord> {
  const current = state.accounts.get(id);
  if (!current) return notFound('account');
  const next = merge(current, { ...patch, 'updated-at': at });
  return guarded(state.accounts, { ...next, code: accountCode(next) });
}
