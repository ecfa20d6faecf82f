import { type CostCentreData, type GlAccountData, mapped, type MapResult } from '@mlc/events';
import type { CoupaMapping } from '../mapping.js';

export interface CoupaLookupValueRequest {
  name: string;
  description: string;
  'external-ref-num': string;
  active: boolean;
  lookup: { name: string };
}

/**
 * GL accounts and cost centres become values of the mapped Coupa lookups. `external-ref-num`
 * carries the ERP code and is the natural key we match on; `external-ref-code` is Coupa's own
 * (the path from the root) and is not set by integrations.
 */
export function toCoupaLookupValue(
  kind: 'gl-account' | 'cost-centre',
  data: GlAccountData | CostCentreData,
  mapping: CoupaMapping,
): MapResult<CoupaLookupValueRequest> {
  const lookupName = kind === 'gl-account' ? mapping.lookups.glAccount : mapping.lookups.costCentre;
  const description = data.description.trim();
  const name = mapping.lookups.valueName === 'code' || !description ? data.code : `${data.code} - ${description}`;
  return mapped({ name, description, 'external-ref-num': data.code, active: data.active, lookup: { name: lookupName } });
}
