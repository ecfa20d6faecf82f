import type { CoupaMapping } from '../mapping.js';

export interface LineDimensions {
  glAccount?: string | undefined;
  costCentre?: string | undefined;
}

export interface CoupaAccountRef {
  code: string;
  'account-type': { name: string };
  [segment: `segment-${number}`]: string;
}

/**
 * Codes a line against the mapped chart of accounts: segment-1…n filled from the line's
 * dimensions in the configured order, and the account code Coupa looks accounts up by. A missing dimension is reported by name so the DLQ reason
 * says which line lacks what.
 */
export function toCoupaAccount(line: LineDimensions, mapping: CoupaMapping): { account: CoupaAccountRef } | { missing: string } {
  const values: string[] = [];
  for (const dimension of mapping.account.segments) {
    const value = line[dimension];
    if (!value) return { missing: dimension };
    values.push(value);
  }
  const account: CoupaAccountRef = { code: values.join(mapping.account.codeSeparator), 'account-type': { name: mapping.account.chartOfAccounts } };
  values.forEach((value, index) => {
    account[`segment-${index + 1}`] = value;
  });
  return { account };
}
