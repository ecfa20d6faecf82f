import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import type { BuildEventParams } from './build-event.js';
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

/** The MlcError `fn` throws; fails the test when it throws anything else or nothing. */
export function rejection(fn: () => unknown): MlcError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MlcError, `expected an MlcError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a throw');
}
