import { z } from 'zod';

/**
 * Per-connection mapping from canonical events to Coupa, part of the connections file
 * (`mappings.coupa`). Defaults fit a plain Coupa instance; every table is overridable.
 */
export const CoupaMapping = z
  .strictObject({
    supplier: z
      .strictObject({
        /** Source payment-terms code → Coupa payment term code; unmapped codes pass through. */
        paymentTerms: z.record(z.string(), z.string()).default({}),
        poMethod: z.enum(['prompt', 'email', 'cxml', 'xml', 'buy_online', 'mark_as_sent']).default('prompt'),
        invoiceMatchingLevel: z.enum(['2-way', '3-way', '3-way-direct', 'none']).optional(),
      })
      .prefault({}),
    lookups: z
      .strictObject({
        /** Names of the Coupa lookups that hold GL accounts and cost centres as lookup values. */
        glAccount: z.string().min(1).default('GL Accounts'),
        costCentre: z.string().min(1).default('Cost Centres'),
        valueName: z.enum(['code', 'code-description']).default('code-description'),
      })
      .prefault({}),
    account: z
      .strictObject({
        /** Coupa chart of accounts (account type) the PO and invoice lines are coded against. */
        chartOfAccounts: z.string().min(1).default('Default'),
        /** Which canonical line dimension fills segment-1, segment-2, … */
        segments: z.array(z.enum(['glAccount', 'costCentre'])).min(1).max(20).default(['glAccount', 'costCentre']),
        /** Coupa identifies an account by its code: the segment values joined with this separator. */
        codeSeparator: z.string().max(3).default('-'),
      })
      .prefault({}),
    purchaseOrder: z
      .strictObject({
        defaultUom: z.string().min(1).default('EA'),
      })
      .prefault({}),
    reconcile: z
      .strictObject({
        /** What `mlc reconcile --repair` does with a record Coupa has and the ERP no longer has (deleted or never there). */
        goneFromSource: z.enum(['deactivate', 'report']).default('deactivate'),
        /** Cron schedule of the connection's reconcile CronJob (deploy/k8s); unset: not scheduled. */
        schedule: z.string().regex(/^\S+( \S+){4}$/, 'expected five cron fields, e.g. "0 3 * * *"').optional(),
        /** The scheduled run repairs (`--repair`), or only reports. */
        repair: z.boolean().default(false),
      })
      .prefault({}),
  })
  .prefault({});
export type CoupaMapping = z.output<typeof CoupaMapping>;

export const DEFAULT_COUPA_MAPPING: CoupaMapping = CoupaMapping.parse(undefined);
