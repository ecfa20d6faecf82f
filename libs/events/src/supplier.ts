import { z } from 'zod';
import { CurrencyCode, NonEmpty } from './primitives.js';

export const Address = z.object({
  lines: z.array(z.string()).max(4),
  city: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country').optional(),
});

export const Contact = z.object({
  name: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
});

export const BankAccount = z.object({
  accountName: z.string().optional(),
  accountNumber: z.string().optional(),
  bankCode: z.string().optional(),
  iban: z.string().optional(),
});

/** A supplier (vendor) as both ERPs and Coupa understand it; `number` is the natural key. */
export const SupplierData = z.object({
  number: NonEmpty.describe('supplier number/code: the natural key in every system'),
  name: NonEmpty,
  status: z.enum(['active', 'inactive', 'on-hold']),
  currency: CurrencyCode.optional(),
  paymentTerms: z.string().optional().describe('payment terms code as the source system names it'),
  taxId: z.string().optional(),
  contact: Contact.optional(),
  address: Address.optional(),
  bank: BankAccount.optional(),
});
export type SupplierData = z.infer<typeof SupplierData>;
