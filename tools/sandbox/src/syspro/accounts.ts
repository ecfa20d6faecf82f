import { z } from 'zod';

export const OperatorAccount = z.object({
  operator: z.string().min(1).max(20),
  /** e.net Logon password (OperatorPassword). */
  password: z.string(),
  /** Password for HTTP Basic on OData; absent means the operator is not enabled for OData. */
  odataPassword: z.string().min(1).optional(),
  /** Business objects the operator's security denies (e.g. ['APSSSP']). */
  deniedBusinessObjects: z.array(z.string().toUpperCase()).default([]),
});
export type OperatorAccount = z.infer<typeof OperatorAccount>;

export const Credentials = z.object({
  /** CompanyPassword expected at Logon ('' when the company has none). */
  companyPassword: z.string().default(''),
  operators: z.array(OperatorAccount).min(1),
});
export type Credentials = z.infer<typeof Credentials>;

/** Demo operators; the sandbox is not a place for real credentials. */
export const DEFAULT_CREDENTIALS: Credentials = {
  companyPassword: '',
  operators: [
    { operator: 'MLC', password: 'mlc-enet', odataPassword: 'mlc-odata', deniedBusinessObjects: [] },
    { operator: 'VIEWER', password: 'viewer-enet', odataPassword: 'viewer-odata', deniedBusinessObjects: ['APSSSP'] },
  ],
};

export interface OperatorAccounts {
  companyPassword: string;
  find(operator: string): OperatorAccount | undefined;
  /** Replaces an operator's business-object denials (admin API); false when unknown. */
  setDenied(operator: string, businessObjects: readonly string[]): boolean;
  list(): readonly OperatorAccount[];
}

export function createOperatorAccounts(credentials: Credentials): OperatorAccounts {
  const operators = new Map(credentials.operators.map((o) => [o.operator.toUpperCase(), { ...o }]));
  return {
    companyPassword: credentials.companyPassword,
    // SYSPRO operator codes are case-insensitive at logon.
    find: (operator) => operators.get(operator.toUpperCase()),
    setDenied(operator, businessObjects) {
      const account = operators.get(operator.toUpperCase());
      if (!account) return false;
      account.deniedBusinessObjects = businessObjects.map((b) => b.toUpperCase());
      return true;
    },
    list: () => [...operators.values()],
  };
}
