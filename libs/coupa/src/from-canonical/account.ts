import type { CoupaMapping } from '../mapping.js';

export interface LineDimensions {
  glAccount?: string | undefined;
  costCentre?: string | undefined;
}

export interface CoupaAccountRef {
  'account-type': { name: string };
  [segment: `segment-${number}`]: string;
}

/**
 * Codes a line against the mapped chart of accounts: segment-1…n filled from the line's
 * dimensions in the configured order. A missing dimension is reported by name so the DLQ reason
 * says which line lacks what.
 */
export function toCoupaAccount(line: LineDimensions, mapping: CoupaMapping): { account: CoupaAccountRef } | { missing: string } {
  const account: CoupaAccountRef = { 'account-type': { name: mapping.account.chartOfAccounts } };
  for (const [index, dimension] of mapping.account.segments.entries()) {
    const value = line[dimension];
    if (!value) return { missing: dimension };
    account[`segment-${index + 1}`] = value;
  }
  return { account };
}
