import { connectionsFileSchema } from '@mlc/config';
import type { CoupaCredentials } from './coupa/simulator.js';
import type { SysproSimulator } from './syspro/simulator.js';

export interface SysproEndpoints {
  odata: { url: string; company: string; username: string; password: string };
  enet?: { url: string; operator: string; operatorPassword: string; companyId: string; companyPassword: string };
}

export interface CoupaEndpoint {
  url: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/**
 * How the services reach a running SYSPRO simulator, as its base URL `baseUrl` (default: where it
 * listens) is seen from them: OData as the first operator with an OData password, e.net likewise.
 */
export function sysproEndpoints(syspro: Pick<SysproSimulator, 'url' | 'state' | 'credentials'>, baseUrl = syspro.url): Required<SysproEndpoints> {
  const operator = syspro.credentials.operators.find((o) => o.odataPassword !== undefined) ?? syspro.credentials.operators[0]!;
  return {
    odata: { url: `${baseUrl}/SYSPRO8Odata/SYSPROOData`, company: syspro.state.company, username: operator.operator, password: operator.odataPassword ?? '' },
    enet: {
      url: `${baseUrl}/SYSPROWCFService/Rest`,
      operator: operator.operator,
      operatorPassword: operator.password,
      companyId: syspro.state.company,
      companyPassword: syspro.credentials.companyPassword,
    },
  };
}

/** How the services reach a running Coupa simulator's API with its full-scope client. */
export function coupaEndpoint(coupa: { url: string; credentials: Pick<CoupaCredentials, 'clientId' | 'clientSecret' | 'scopes'> }, baseUrl = coupa.url): CoupaEndpoint {
  return { url: baseUrl, clientId: coupa.credentials.clientId, clientSecret: coupa.credentials.clientSecret, scopes: coupa.credentials.scopes };
}

export interface SandboxConnectionsInput {
  syspro?: SysproEndpoints;
  coupa?: CoupaEndpoint;
  infor?: { ionapiFile: string; company: string; division: string };
  webhookSecret: string;
}

/**
 * Mappings that fit the simulators' data. SYSPRO leaves the currency blank on local-currency
 * records and the seeded company trades in ZAR (exchange rate 1). Invoices are coded through their
 * AP journal distributions. SYSPRO GL codes already embed the
 * cost centre (`5000-CC003`) and PO lines carry only that code, so the Coupa account has one
 * segment, coded against the chart of accounts the Coupa simulator seeds.
 */
export const SANDBOX_MAPPINGS = {
  syspro: {
    defaultCurrency: 'ZAR',
    // Invoice lines are the AP journal distributions, each coded to an expense GL account.
    invoice: {
      lineEntitySet: 'ApJnlDistrib',
      line: { lineNumber: 'EntryNumber', description: 'DistrDescription', amount: 'DistrValue', glAccount: 'ExpenseGlCode' },
    },
  },
  coupa: {
    lookups: { glAccount: 'GL Accounts', costCentre: 'Cost Centres' },
    account: { chartOfAccounts: 'Default COA', segments: ['glAccount'] },
  },
  // The sandbox wires both ERPs to one Coupa, so Coupa's POs include SYSPRO's, numbered with 15
  // digits: they do not fit M3's 10-character reference (YRE1) and were dead-lettered. The M3 order
  // number is what links a Coupa PO to its M3 order (the writer remembers it), so none is sent.
  infor: {
    purchaseOrder: { referenceField: null },
  },
} as const;

/**
 * Two-way sync of the sandbox connection: the ERP owns a supplier's identity (name, status,
 * currency, tax id), Coupa its contact and address; payment terms go to the newer change; bank
 * details never travel.
 */
export const SANDBOX_SYNC = {
  supplier: { owners: { name: 'erp', status: 'erp', currency: 'erp', taxId: 'erp', contact: 'coupa', address: 'coupa', paymentTerms: 'either' } },
} as const;

/**
 * The connections file the services read to reach the sandbox, as plain JSON. Relative paths in it
 * resolve against the file's own folder (see @mlc/config `loadConnections`).
 */
export function sandboxConnections({ syspro, coupa, infor, webhookSecret }: SandboxConnectionsInput) {
  return {
    // The simulators' credentials are no secrets, and in containers their URLs are http://sandbox:…
    allowLiteralSecrets: true,
    connections: [
      {
        id: 'sandbox',
        allowInsecureHttp: true,
        ...(syspro ? { syspro } : {}),
        ...(coupa
          ? {
              coupa: {
                ...coupa,
                apiVersion: { header: 'X-Coupa-API-Version', value: '1' },
                webhook: { hmacSecret: webhookSecret, signatureHeader: 'X-Coupa-Signature' },
              },
            }
          : {}),
        ...(infor ? { infor } : {}),
        mappings: {
          ...(syspro ? { syspro: SANDBOX_MAPPINGS.syspro } : {}),
          ...(coupa ? { coupa: SANDBOX_MAPPINGS.coupa } : {}),
          ...(infor ? { infor: SANDBOX_MAPPINGS.infor } : {}),
        },
        sync: SANDBOX_SYNC,
      },
    ],
  };
}

/** Throws with every issue when the file would not load in the services. */
export function assertValidConnections(file: unknown, baseDir: string): void {
  const result = connectionsFileSchema({ baseDir }).safeParse(file);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`the sandbox connections file does not match @mlc/config: ${issues}`);
  }
}
