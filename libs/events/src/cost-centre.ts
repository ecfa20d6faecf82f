import { z } from 'zod';
import { NonEmpty } from './primitives.js';

export const CostCentreData = z.object({
  code: NonEmpty.describe('cost-centre code: the natural key'),
  description: z.string(),
  active: z.boolean(),
});
export type CostCentreData = z.infer<typeof CostCentreData>;
