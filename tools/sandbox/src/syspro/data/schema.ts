/**
 * SYSPRO tables as the simulator serves them: SQL table and column names, OData (Edm) types.
 * One definition drives the OData metadata, $filter type checking, $select/$orderby validation
 * and the admin API's patch validation.
 */
/**
 * `Edm.DateTime` is a zone-less SQL `datetime` (the SYSPRO server's wall-clock time) served as
 * `YYYY-MM-DDTHH:mm:ss.fff` without an offset; OData v4 has no such type, see the README
 * ("Zone-less datetimes") for what is assumed.
 */
export type EdmType = 'Edm.String' | 'Edm.Decimal' | 'Edm.Int32' | 'Edm.Int64' | 'Edm.DateTimeOffset' | 'Edm.DateTime';

export interface Column {
  name: string;
  type: EdmType;
  /** varchar length of the SYSPRO column, enforced on writes. */
  maxLength?: number;
  nullable?: boolean;
}

export type Value = string | number | null;
export type Row = Record<string, Value>;

export interface TableSpec {
  name: TableName;
  key: readonly string[];
  columns: readonly Column[];
}

/** The rowversion-like change-tracking column every table carries. */
export const TIMESTAMP = 'TimeStamp';

/**
 * A zone-less change date on ApSupplier that the server stamps with its wall clock on every write
 * (as a trigger or SYSPRO's own maintenance would), unless the write sets it: a stand-in for a
 * datetime cursor column, not a documented SYSPRO column (see the README).
 */
export const CHANGE_DATE = 'DateLastChanged';

const s = (name: string, maxLength: number, nullable = false): Column => ({ name, type: 'Edm.String', maxLength, nullable });
const dec = (name: string): Column => ({ name, type: 'Edm.Decimal' });
const int = (name: string): Column => ({ name, type: 'Edm.Int32' });
const dt = (name: string, nullable = false): Column => ({ name, type: 'Edm.DateTimeOffset', nullable });
const ts: Column = { name: TIMESTAMP, type: 'Edm.Int64' };
const changeDate: Column = { name: CHANGE_DATE, type: 'Edm.DateTime', nullable: true };

export const ApSupplier: TableSpec = {
  name: 'ApSupplier',
  key: ['Supplier'],
  columns: [
    s('Supplier', 15),
    s('SupplierName', 50),
    s('SupShortName', 20),
    s('SupplierClass', 10),
    s('Branch', 10),
    s('Currency', 3),
    s('TermsCode', 2),
    s('TaxRegnNum', 20),
    s('Telephone', 20),
    s('Fax', 20),
    s('Email', 255),
    s('Contact', 40),
    s('SupAddr1', 40),
    s('SupAddr2', 40),
    s('SupAddr3', 40),
    s('SupAddr4', 40),
    s('SupAddr5', 40),
    s('SupPostalCode', 10),
    // Remit-to address and bank details, as APSSSP writes them (assumed names and lengths, see docs/syspro.md).
    s('RemitAddr1', 40),
    s('RemitAddr2', 40),
    s('RemitAddr3', 40),
    s('RemitAddr4', 40),
    s('RemitAddr5', 40),
    s('RemitPostalCode', 10),
    s('BankBranch', 15),
    s('BankAccount', 34),
    s('OnHold', 1),
    dt('DateSuppAdded'),
    changeDate,
    ts,
  ],
};

export const PorMasterHdr: TableSpec = {
  name: 'PorMasterHdr',
  key: ['PurchaseOrder'],
  columns: [
    s('PurchaseOrder', 20),
    s('Supplier', 15),
    s('OrderStatus', 1),
    dt('OrderEntryDate'),
    dt('OrderDueDate'),
    s('Currency', 3),
    s('Buyer', 20),
    s('Warehouse', 10),
    s('CancelledFlag', 1),
    dt('DatePoCompleted', true),
    ts,
  ],
};

export const PorMasterDetail: TableSpec = {
  name: 'PorMasterDetail',
  key: ['PurchaseOrder', 'Line'],
  columns: [
    s('PurchaseOrder', 20),
    int('Line'),
    s('LineType', 1),
    s('MStockCode', 30),
    s('MStockDes', 50),
    s('MWarehouse', 10),
    dec('MOrderQty'),
    dec('MReceivedQty'),
    dec('MPrice'),
    s('MOrderUom', 10),
    dt('MLatestDueDate'),
    s('MGlCode', 35),
    s('MCompleteFlag', 1),
    ts,
  ],
};

export const ApInvoice: TableSpec = {
  name: 'ApInvoice',
  key: ['Supplier', 'Invoice'],
  columns: [
    s('Supplier', 15),
    s('Invoice', 20),
    dt('InvoiceDate'),
    dt('DueDate'),
    s('Currency', 3),
    dec('ExchangeRate'),
    dec('OrigInvValue'),
    dec('MthInvBal1'),
    s('PurchaseOrder', 20),
    ts,
  ],
};

/** AP journal distribution: the GL lines of an AP invoice (see docs/syspro.md). */
export const ApJnlDistrib: TableSpec = {
  name: 'ApJnlDistrib',
  key: ['Supplier', 'Invoice', 'EntryNumber'],
  columns: [
    s('Supplier', 15),
    s('Invoice', 20),
    int('EntryNumber'),
    s('ExpenseGlCode', 35),
    dec('DistrValue'),
    s('DistrDescription', 50),
    ts,
  ],
};

export const GenMaster: TableSpec = {
  name: 'GenMaster',
  key: ['GlCode'],
  columns: [s('GlCode', 35), s('Description', 50), s('AccountType', 1), s('GlGroup', 10), ts],
};

/** Stand-in for a Business Activity Query over the GL cost-centre segment (see docs/syspro.md). */
export const GenCostCentre: TableSpec = {
  name: 'GenCostCentre',
  key: ['CostCentre'],
  columns: [s('CostCentre', 10), s('Description', 50), s('Active', 1), ts],
};

export const TABLES = [ApSupplier, PorMasterHdr, PorMasterDetail, ApInvoice, ApJnlDistrib, GenMaster, GenCostCentre] as const;
export type TableName = 'ApSupplier' | 'PorMasterHdr' | 'PorMasterDetail' | 'ApInvoice' | 'ApJnlDistrib' | 'GenMaster' | 'GenCostCentre';

export function columnOf(spec: TableSpec, name: string): Column | undefined {
  return spec.columns.find((c) => c.name === name);
}
