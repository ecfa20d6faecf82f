import type { BuildEventParams } from './build-event.js';
import type { Outcome } from './outcome.js';
import type { PurchaseOrderData } from './purchase-order.js';
import type { SupplierData } from './supplier.js';

// Shared by this package's tests; not part of the public surface.
export const supplierData: SupplierData = {
  number: 'S-100',
  name: 'Acme Industrial',
  status: 'active',
  currency: 'ZAR',
  paymentTerms: '30D',
  contact: { name: 'Thandi', email: 'ap@acme.example' },
  address: { lines: ['1 Main Rd'], city: 'Durban', country: 'ZA' },
};

export function supplierParams(overrides: Partial<BuildEventParams<'supplier'>> = {}): BuildEventParams<'supplier'> {
  return {
    source: 'syspro',
    connection: 'acme-prod',
    entity: 'supplier',
    key: 'S-100',
    data: supplierData,
    occurredAt: '2024-05-01T10:00:00+02:00',
    observedAt: '2024-05-01T08:00:05.123Z',
    correlationId: 'corr-1',
    ...overrides,
  };
}

export const purchaseOrderData: PurchaseOrderData = {
  number: 'PO-1',
  supplierNumber: 'S-100',
  status: 'open',
  orderDate: '2024-05-01',
  currency: 'ZAR',
  lines: [
    { lineNumber: 1, description: 'Bolts', quantity: '10', unitPrice: '1.50', dueDate: '2024-06-01' },
    { lineNumber: 2, itemCode: 'N-2', description: 'Nuts', quantity: '5.5', unitPrice: '0.20', quantityReceived: '0' },
  ],
};

export function purchaseOrderParams(overrides: Partial<BuildEventParams<'purchase-order'>> = {}): BuildEventParams<'purchase-order'> {
  return { ...supplierParams(), entity: 'purchase-order', key: 'PO-1', data: purchaseOrderData, ...overrides };
}

/** A `created` outcome of the supplier event, with the optional fields a created outcome has. */
export const outcomeFixture: Outcome = {
  eventId: 'e-1',
  eventType: 'supplier.changed',
  connection: 'acme-prod',
  entity: { type: 'supplier', key: 'S-100' },
  writer: 'coupa-writer',
  status: 'created',
  target: { system: 'coupa', id: '42' },
  attempts: 1,
  correlationId: 'corr-1',
  source: { topic: 'syspro.suppliers.v1', partition: 0, offset: '17' },
  at: '2024-05-01T08:00:06Z',
};
