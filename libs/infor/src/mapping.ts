import { z } from 'zod';

const PROGRAM = /^[A-Z0-9]{3,10}$/;
const TRANSACTION = /^[A-Za-z0-9]{1,20}$/;
// Written as "PROGRAM/Transaction" in the connections file; the parsed form is accepted as well,
// so parsing an already parsed mapping (a writer re-validating its slice) gives the same result.
const ProgramTransaction = z.union([
  z
    .string()
    .regex(/^[A-Z0-9]{3,10}\/[A-Za-z0-9]{1,20}$/, 'expected PROGRAM/Transaction, e.g. CRS620MI/AddSupplier')
    .transform((value) => {
      const [program, transaction] = value.split('/') as [string, string];
      return { program, transaction };
    }),
  z.strictObject({ program: z.string().regex(PROGRAM), transaction: z.string().regex(TRANSACTION) }),
]);
export type ProgramTransaction = z.output<typeof ProgramTransaction>;

const code = (max: number) => z.string().min(1).max(max);
const M3Field = z.string().regex(/^[A-Z0-9]{2,6}$/, 'expected an M3 field name such as VRNO');

/**
 * Which M3 programs and transactions the writer calls. Defaults follow what public evidence shows
 * (tools/sandbox/docs/infor.md, vendors.md §3); where that evidence is thin (PO header creation,
 * invoice finalise), a tenant that uses different transactions changes them here, not in code.
 */
export const M3Transactions = z
  .strictObject({
    getSupplier: ProgramTransaction.prefault('CRS620MI/GetBasicData'),
    addSupplier: ProgramTransaction.prefault('CRS620MI/AddSupplier'),
    updateSupplier: ProgramTransaction.prefault('CRS620MI/UpdSupplier'),
    /**
     * infor-poller's change list (M3 → Coupa): no standard CRS620MI transaction lists suppliers by
     * change time, so this is an XtendM3 transaction extension over CIDMAS (contract in libs/infor/README.md).
     */
    listChangedSuppliers: ProgramTransaction.prefault('EXT620MI/LstByChgDate'),
    startPoEntry: ProgramTransaction.prefault('PPS370MI/StartEntry'),
    addPoHead: ProgramTransaction.prefault('PPS370MI/AddHead'),
    addPoEntryLine: ProgramTransaction.prefault('PPS370MI/AddLine'),
    finishPoEntry: ProgramTransaction.prefault('PPS370MI/FinishEntry'),
    deletePoEntry: ProgramTransaction.prefault('PPS370MI/DeleteEntry'),
    getPoHead: ProgramTransaction.prefault('PPS200MI/GetHead'),
    listPoLines: ProgramTransaction.prefault('PPS200MI/LstLine'),
    addPoLine: ProgramTransaction.prefault('PPS200MI/AddLine'),
    updatePoLine: ProgramTransaction.prefault('PPS200MI/UpdLine'),
    addInvoiceHead: ProgramTransaction.prefault('APS450MI/AddHead'),
    addInvoiceLine: ProgramTransaction.prefault('APS450MI/AddLine'),
    findInvoiceBatches: ProgramTransaction.prefault('APS450MI/LstInvBySupInv'),
    listInvoiceLines: ProgramTransaction.prefault('APS450MI/LstLines'),
    validateInvoiceBatch: ProgramTransaction.prefault('APS455MI/ValidByBatchNo'),
  })
  .prefault({});
export type M3Transactions = z.output<typeof M3Transactions>;

const PO_STATUSES = ['draft', 'open', 'approved', 'issued', 'received', 'closed', 'cancelled'] as const;
const INVOICE_STATUSES = ['draft', 'pending', 'approved', 'posted', 'paid', 'voided'] as const;

/**
 * Per-connection mapping from canonical (Coupa) events to M3, the `mappings.infor` part of the
 * connections file. Code tables translate source codes to M3 codes; unmapped codes pass through
 * and must then fit the M3 field.
 */
export const InforMapping = z
  .strictObject({
    supplier: z
      .strictObject({
        /** M3 supplier status (STAT); only 20 (definite) suppliers can be used on orders. */
        status: z
          .strictObject({ active: code(2).default('20'), inactive: code(2).default('90'), 'on-hold': code(2).default('90') })
          .prefault({}),
        paymentTerms: z.record(z.string(), code(3)).default({}),
        supplierType: code(1).optional().describe('SUTY'),
        supplierGroup: code(3).optional().describe('SUCL'),
        language: code(2).optional().describe('LNCD'),
        /**
         * Bank details: canonical bank field → M3 input field of the supplier add/update
         * transaction. CRS620MI has no bank fields in our evidence, so nothing is sent by default.
         */
        bankFields: z.partialRecord(z.enum(['accountName', 'accountNumber', 'bankCode', 'iban']), M3Field).default({}),
      })
      .prefault({}),
    purchaseOrder: z
      .strictObject({
        /** Only these Coupa statuses become M3 orders; the rest are skipped. */
        statuses: z.array(z.enum(PO_STATUSES)).min(1).default(['approved', 'issued']),
        batchOrigin: code(10).default('MLC').describe('BAOR of the PPS370MI entry'),
        facility: code(3).default('A01').describe('FACI: set to the tenant facility'),
        warehouse: code(3).default('001').describe('WHLO: set to the tenant warehouse'),
        orderType: code(3).optional().describe('ORTY; M3 default when unset'),
        /** Head field that carries the Coupa PO number (A10); null sends none. */
        referenceField: z.enum(['YRE1', 'OURR', 'HREF']).nullable().default('YRE1'),
        /** M3 line number (PNLI) = Coupa line number × this, so invoices find their PO line again. */
        lineNumberFactor: z.number().int().min(1).max(100).default(1),
        /** ITNO for lines without an item code (Coupa free-text lines): a non-stock item in M3. */
        defaultItem: code(15).optional(),
        unitsOfMeasure: z.record(z.string(), code(3)).default({}),
        glAccounts: z.record(z.string(), z.string().min(1)).default({}),
        costCentres: z.record(z.string(), z.string().min(1)).default({}),
        /**
         * M3 line input fields that take the (mapped) GL account / cost centre. PPS370MI/PPS200MI
         * AddLine take none in our evidence: M3 derives PO line accounting from its accounting
         * rules, so by default the codes are not sent.
         */
        accountFields: z.strictObject({ glAccount: M3Field.optional(), costCentre: M3Field.optional() }).prefault({}),
      })
      .prefault({}),
    invoice: z
      .strictObject({
        statuses: z.array(z.enum(INVOICE_STATUSES)).min(1).default(['approved', 'posted', 'paid']),
        batchType: code(2).optional().describe('IBTP'),
        /** RDTP of a line matched to a PO line. */
        poLineType: z.string().regex(/^\d$/).default('1'),
      })
      .prefault({}),
    transactions: M3Transactions,
  })
  .prefault({});
export type InforMapping = z.output<typeof InforMapping>;

export const DEFAULT_INFOR_MAPPING: InforMapping = InforMapping.parse(undefined);
