import { z } from 'zod';
import { NonEmpty } from './primitives.js';

export const GlAccountData = z.object({
  code: NonEmpty.describe('general-ledger account code: the natural key'),
  description: z.string(),
  accountType: z.enum(['asset', 'liability', 'equity', 'revenue', 'expense', 'other']).optional(),
  active: z.boolean(),
});
export type GlAccountData = z.infer<typeof GlAccountData>;
