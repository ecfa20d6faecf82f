import { z } from 'zod';
import { createRandom } from '../shared/random.js';
import { createAccount, createInvoice, createLookup, createLookupValue, createPurchaseOrder, createSupplier, type CoupaState, type Outcome } from './state.js';

export const SeedSizes = z.object({
  suppliers: z.number().int().nonnegative().max(1_000_000).default(25),
  purchaseOrders: z.number().int().nonnegative().default(10),
  invoices: z.number().int().nonnegative().default(10),
  accounts: z.number().int().nonnegative().default(12),
  /** Values per seeded lookup ("Cost Centres" with a two-level tree, "Departments" flat). */
  lookupValues: z.number().int().nonnegative().default(8),
});
export type SeedSizes = z.infer<typeof SeedSizes>;

const WORDS = ['Acme', 'Bolt', 'Nordic', 'Pacific', 'Summit', 'Granite', 'Harbor', 'Vertex', 'Cedar', 'Orion', 'Delta', 'Falcon'];
const KINDS = ['Industrial Supplies', 'Fasteners', 'Logistics', 'Office Products', 'Metals', 'Packaging', 'Electrical', 'Services'];
const CITIES = [
  ['Chicago', 'IL', 'US'],
  ['Austin', 'TX', 'US'],
  ['Toronto', 'ON', 'CA'],
  ['Manchester', null, 'GB'],
  ['Johannesburg', 'GP', 'ZA'],
] as const;
const TERMS = ['NET30', 'NET45', 'NET60', '2/10NET30'];
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'GBP', 'CAD', 'ZAR'];

/** Seeded records carry fixed timestamps (one minute apart from 2024-01-01) so the same seed gives identical state. */
const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();

function must<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) throw new Error(`seeding ${what} failed: ${JSON.stringify(outcome.errors)}`);
  return outcome.record;
}

export function seed(state: CoupaState, seedValue: number, sizes: SeedSizes): void {
  const random = createRandom(seedValue);
  let tick = 0;

  const coa = state.accountTypes.put({ id: state.accountTypes.nextId(), 'created-at': stamp(0), 'updated-at': stamp(0), name: 'Default COA', active: true, currency: { code: 'USD' } });
  const accounts = Array.from({ length: sizes.accounts }, (_, i) =>
    must(
      createAccount(state, { 'account-type': { id: coa.id }, 'segment-1': String(6000 + (i % 10) * 100), 'segment-2': String(100 + Math.floor(i / 10)), name: `Expense ${i + 1}` }, stamp(tick++)),
      'account',
    ),
  );

  const centres = must(createLookup(state, { name: 'Cost Centres', description: 'Cost centre tree' }, stamp(tick++)), 'lookup');
  const departments = must(createLookup(state, { name: 'Departments', description: null }, stamp(tick++)), 'lookup');
  const roots = Math.max(1, Math.ceil(sizes.lookupValues / 4));
  for (let i = 0; i < sizes.lookupValues; i++) {
    const isRoot = i < roots;
    must(
      createLookupValue(
        state,
        {
          lookup: { id: centres.id },
          name: isRoot ? `Region ${i + 1}` : `CC ${i + 1}`,
          'external-ref-num': isRoot ? `R${i + 1}` : `CC${1000 + i}`,
          ...(isRoot ? {} : { parent: { name: `Region ${(i % roots) + 1}` } }),
        },
        stamp(tick++),
      ),
      'lookup value',
    );
    must(createLookupValue(state, { lookup: { id: departments.id }, name: `Dept ${i + 1}`, 'external-ref-num': `D${100 + i}` }, stamp(tick++)), 'lookup value');
  }

  for (let i = 0; i < sizes.suppliers; i++) {
    const [city, region, country] = random.pick(CITIES);
    const name = `${random.pick(WORDS)} ${random.pick(KINDS)} ${i + 1}`;
    must(
      createSupplier(
        state,
        {
          name,
          number: `SUP${String(i + 1).padStart(6, '0')}`,
          status: random.chance(0.9) ? 'active' : 'inactive',
          'payment-term': { code: random.pick(TERMS) },
          'tax-id': `TX-${random.int(100000, 999999)}`,
          'primary-contact': { email: `ap${i + 1}@supplier.example`, 'name-given': 'Alex', 'name-family': `Supplier${i + 1}`, 'phone-work': null },
          'primary-address': { name: 'Head office', street1: `${random.int(1, 999)} Main Street`, street2: null, city, state: region, 'postal-code': String(random.int(10000, 99999)), country: { code: country } },
          'po-method': random.pick(['email', 'cxml', 'prompt'] as const),
          'invoice-matching-level': random.pick(['2-way', '3-way'] as const),
          'on-hold': random.chance(0.05),
          currency: { code: random.pick(CURRENCIES) },
        },
        stamp(tick++),
      ),
      'supplier',
    );
  }
  if (state.suppliers.size === 0) return;

  const lineAccount = () => (accounts.length > 0 ? { id: random.pick(accounts).id } : null);
  for (let i = 0; i < sizes.purchaseOrders; i++) {
    const supplierId = random.int(1, state.suppliers.size);
    must(
      createPurchaseOrder(
        state,
        {
          'po-number': String(1000 + i),
          supplier: { id: supplierId },
          status: random.pick(['issued', 'issued', 'draft'] as const),
          'order-lines': Array.from({ length: random.int(1, 4) }, (_, l) => ({
            description: `Item ${l + 1} for PO ${1000 + i}`,
            quantity: `${random.int(1, 500)}.0`,
            price: `${random.int(1, 20000) / 100}`,
            uom: { code: 'EA' },
            account: lineAccount(),
          })),
        },
        stamp(tick++),
      ),
      'purchase order',
    );
  }
  for (let i = 0; i < sizes.invoices; i++) {
    const supplierId = random.int(1, state.suppliers.size);
    must(
      createInvoice(
        state,
        {
          'invoice-number': `INV-${String(i + 1).padStart(5, '0')}`,
          'invoice-date': stamp(tick).slice(0, 10),
          supplier: { id: supplierId },
          status: random.pick(['approved', 'pending_approval'] as const),
          'invoice-lines': Array.from({ length: random.int(1, 3) }, (_, l) => ({
            description: `Invoice line ${l + 1}`,
            quantity: String(random.int(1, 50)),
            price: `${random.int(100, 50000) / 100}`,
            account: lineAccount(),
          })),
        },
        stamp(tick++),
      ),
      'invoice',
    );
  }
}
