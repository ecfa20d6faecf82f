import type { CoupaMapping } from '../mapping.js';
import { text } from './result.js';
import type { InboundAccount } from './wire.js';

export interface Dimensions {
  glAccount?: string;
  costCentre?: string;
}

/**
 * A line's account → the canonical dimensions, by the mapping's segment order (the inverse of
 * `toCoupaAccount`). Tenants send `segment-1`…; the sandbox sends only the joined `code`, which is
 * split on "-" when that yields exactly one part per mapped segment. Otherwise (a segment value
 * itself contains "-") the whole code is the first dimension: the only reading that is not a guess.
 */
export function dimensionsOf(account: InboundAccount | null | undefined, mapping: CoupaMapping): Dimensions {
  if (!account) return {};
  const order = mapping.account.segments;
  const segment = (i: number) => {
    const value = account[`segment-${i + 1}`];
    return typeof value === 'string' ? text(value) : undefined;
  };
  let values: (string | undefined)[];
  if (order.some((_, i) => segment(i) !== undefined)) values = order.map((_, i) => segment(i));
  else {
    const code = text(account.code);
    if (code === undefined) return {};
    const parts = code.split('-');
    values = parts.length === order.length ? parts : [code];
  }
  const dims: Dimensions = {};
  order.forEach((dimension, i) => {
    const value = values[i];
    if (value !== undefined && value !== '') dims[dimension] = value;
  });
  return dims;
}
