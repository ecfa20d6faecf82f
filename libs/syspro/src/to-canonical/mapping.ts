import { z } from 'zod';
import { CurrencyCode } from '@mlc/events';
import { isODataIdentifier } from '../odata-filter.js';
import { isTimeZone } from '../local-time.js';
import { ApssspConfig } from '../from-canonical/apsssp.js';

/**
 * Per-connection mapping from SYSPRO rows to canonical entities, part of the connections file
 * (`mappings.syspro`). Column defaults are SYSPRO's SQL column names; the ones not evidenced in
 * vendors.md §1.1 are assumptions (README lists them) and every one can be overridden.
 */

const Column = z.string().refine(isODataIdentifier, 'expected a plain column name (letters, digits, _)');
const OptionalColumn = Column.optional();
const CodeTable = <T extends z.ZodType>(value: T) => z.record(z.string(), value);

export const PURCHASE_ORDER_STATUSES = ['draft', 'open', 'approved', 'issued', 'received', 'closed', 'cancelled'] as const;
export const INVOICE_STATUSES = ['draft', 'pending', 'approved', 'posted', 'paid', 'voided'] as const;
export const GL_ACCOUNT_TYPES = ['asset', 'liability', 'equity', 'revenue', 'expense', 'other'] as const;

/**
 * SYSPRO PorMasterHdr.OrderStatus → canonical status. Assumed from SYSPRO's purchase order
 * status list ('0','1','4' are the open statuses one public script filters on, vendors.md §1.1):
 *
 * | code | SYSPRO meaning            | canonical  |
 * |------|---------------------------|------------|
 * | 0    | in process (being entered)| draft      |
 * | 1    | open order                | open       |
 * | 4    | printed / in receipt      | issued     |
 * | 9    | complete                  | closed     |
 * | *    | cancelled                 | cancelled  |
 *
 * `CancelledFlag = 'Y'` wins over the code. Unknown codes fail the mapping (DLQ with the code),
 * rather than guessing.
 */
export const DEFAULT_PO_STATUSES: Record<string, (typeof PURCHASE_ORDER_STATUSES)[number]> = {
  '0': 'draft',
  '1': 'open',
  '4': 'issued',
  '9': 'closed',
  '*': 'cancelled',
};

/** SYSPRO GenMaster.AccountType → canonical type (assumed codes); unknown codes leave the type out. */
export const DEFAULT_GL_ACCOUNT_TYPES: Record<string, (typeof GL_ACCOUNT_TYPES)[number]> = {
  A: 'asset',
  L: 'liability',
  C: 'equity',
  R: 'revenue',
  E: 'expense',
  S: 'other',
};

const YesValues = z.array(z.string()).default(['Y']);

export const SysproMapping = z.strictObject({
  /** Company (local) currency: SYSPRO leaves the currency blank on local-currency records. */
  defaultCurrency: CurrencyCode,
  dates: z
    .strictObject({
      /**
       * IANA zone of the SYSPRO company. SYSPRO stores wall-clock SQL datetimes without a zone:
       * zone-less values are read as wall-clock in this zone (for instants such as `occurredAt`)
       * and their date part is taken as-is (for calendar dates); values that carry a zone are
       * converted to this zone before their date is taken.
       */
      timeZone: z.string().min(1).refine(isTimeZone, 'expected an IANA time zone such as Europe/London').default('UTC'),
    })
    .prefault({}),
  supplier: z
    .strictObject({
      columns: z
        .strictObject({
          number: Column.default('Supplier'),
          name: Column.default('SupplierName'),
          currency: OptionalColumn.default('Currency'),
          paymentTerms: OptionalColumn.default('TermsCode'),
          onHold: OptionalColumn.default('OnHold'),
          taxId: OptionalColumn.default('TaxRegnNum'),
          contactName: OptionalColumn.default('Contact'),
          phone: OptionalColumn.default('Telephone'),
          email: OptionalColumn.default('Email'),
          addressLines: z.array(Column).max(4).default(['SupAddr1', 'SupAddr2', 'SupAddr3', 'SupAddr4']),
          city: OptionalColumn,
          region: OptionalColumn,
          postalCode: OptionalColumn.default('SupPostalCode'),
          country: OptionalColumn,
          inactive: OptionalColumn,
          changedAt: OptionalColumn,
          actor: OptionalColumn,
        })
        .prefault({}),
      onHoldValues: YesValues,
      inactiveValues: YesValues,
    })
    .prefault({}),
  purchaseOrder: z
    .strictObject({
      header: z
        .strictObject({
          number: Column.default('PurchaseOrder'),
          supplier: Column.default('Supplier'),
          status: Column.default('OrderStatus'),
          cancelled: OptionalColumn.default('CancelledFlag'),
          orderDate: Column.default('OrderEntryDate'),
          currency: OptionalColumn.default('Currency'),
          buyer: OptionalColumn.default('Buyer'),
          changedAt: OptionalColumn,
          actor: OptionalColumn,
        })
        .prefault({}),
      line: z
        .strictObject({
          purchaseOrder: Column.default('PurchaseOrder'),
          // The detail line column name is unconfirmed (PorHistReceipt uses PurchaseOrderLin).
          lineNumber: Column.default('Line'),
          lineType: OptionalColumn.default('LineType'),
          itemCode: OptionalColumn.default('MStockCode'),
          description: OptionalColumn.default('MStockDes'),
          comment: OptionalColumn.default('NComment'),
          quantity: Column.default('MOrderQty'),
          unitOfMeasure: OptionalColumn.default('MOrderUom'),
          unitPrice: Column.default('MPrice'),
          dueDate: OptionalColumn.default('MLatestDueDate'),
          glAccount: OptionalColumn.default('MGlCode'),
          costCentre: OptionalColumn,
          quantityReceived: OptionalColumn.default('MReceivedQty'),
        })
        .prefault({}),
      statuses: CodeTable(z.enum(PURCHASE_ORDER_STATUSES)).default(DEFAULT_PO_STATUSES),
      cancelledValues: YesValues,
      /** SYSPRO line types that carry no goods (6 = comment line) and are left out. Assumed. */
      skipLineTypes: z.array(z.string()).default(['6']),
    })
    .prefault({}),
  invoice: z
    .strictObject({
      header: z
        .strictObject({
          supplier: Column.default('Supplier'),
          number: Column.default('Invoice'),
          invoiceDate: Column.default('InvoiceDate'),
          dueDate: OptionalColumn.default('DueDate'),
          currency: OptionalColumn.default('Currency'),
          total: Column.default('OrigInvValue'),
          tax: OptionalColumn.default('OrigTaxValue'),
          poNumber: OptionalColumn.default('PurchaseOrder'),
          status: OptionalColumn,
          balance: OptionalColumn,
          changedAt: OptionalColumn,
          actor: OptionalColumn,
        })
        .prefault({}),
      line: z
        .strictObject({
          supplier: Column.default('Supplier'),
          invoice: Column.default('Invoice'),
          lineNumber: Column.default('Line'),
          description: OptionalColumn.default('Description'),
          quantity: OptionalColumn.default('Quantity'),
          unitPrice: OptionalColumn.default('UnitPrice'),
          amount: Column.default('Amount'),
          poNumber: OptionalColumn.default('PurchaseOrder'),
          poLineNumber: OptionalColumn.default('PurchaseOrderLine'),
          glAccount: OptionalColumn.default('GlCode'),
          costCentre: OptionalColumn,
        })
        .prefault({}),
      /**
       * Entity set holding the invoice lines (e.g. the AP journal distributions), read with each
       * page of headers. Unset: no lines are read (see `summaryLineWhenNoLines`).
       */
      lineEntitySet: OptionalColumn,
      /** Status code column value → status; used only when `header.status` is set. */
      statuses: CodeTable(z.enum(INVOICE_STATUSES)).default({}),
      /** Status when no status column is configured: AP invoices in SYSPRO's ledger are posted. */
      defaultStatus: z.enum(INVOICE_STATUSES).default('posted'),
      /** With no line rows (lines not exposed), emit one summary line for the invoice total. */
      summaryLineWhenNoLines: z.boolean().default(true),
    })
    .prefault({}),
  glAccount: z
    .strictObject({
      columns: z
        .strictObject({
          code: Column.default('GlCode'),
          description: OptionalColumn.default('Description'),
          accountType: OptionalColumn.default('AccountType'),
          inactive: OptionalColumn,
          changedAt: OptionalColumn,
        })
        .prefault({}),
      accountTypes: CodeTable(z.enum(GL_ACCOUNT_TYPES)).default(DEFAULT_GL_ACCOUNT_TYPES),
      inactiveValues: YesValues,
    })
    .prefault({}),
  costCentre: z
    .strictObject({
      // Which SYSPRO table (or Business Activity Query) holds cost centres is unconfirmed.
      columns: z
        .strictObject({
          code: Column.default('CostCentre'),
          description: OptionalColumn.default('Description'),
          inactive: OptionalColumn,
          changedAt: OptionalColumn,
        })
        .prefault({}),
      inactiveValues: YesValues,
    })
    .prefault({}),
  /** Canonical suppliers → SYSPRO's AP Supplier Maintenance documents, written by syspro-writer. */
  apsssp: ApssspConfig,
});
export type SysproMapping = z.output<typeof SysproMapping>;
export type SysproMappingInput = z.input<typeof SysproMapping>;
