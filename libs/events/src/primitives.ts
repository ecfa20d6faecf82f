import { z } from 'zod';

/** Decimal amounts travel as strings ("12.50") so no system's float rounding leaks into events. */
export const Decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string such as "12.50"')
  .describe('decimal number as a string');

/** Calendar date without a time zone, as ERPs store posting and due dates. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

export const IsoDateTime = z.iso.datetime({ offset: true });

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code');

export const NonEmpty = z.string().trim().min(1);
