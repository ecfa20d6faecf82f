import { MlcError } from '@mlc/errors';
import type { InforApi } from './api.js';
import { m3FailureOf, type ExecuteOptions, type M3Client } from './m3-client.js';
import type { M3Transactions, ProgramTransaction } from './mapping.js';
import type { MiInput, MiRecord } from './wire.js';

export interface InforApiParams {
  m3: M3Client;
  transactions: M3Transactions;
}

// M3 answers a lookup of a key it does not have with a NOK on that key field.
function isNotFound(error: unknown, keyField: string): boolean {
  const failure = m3FailureOf(error);
  return failure?.errorType === 'ServerReturnedNOK' && failure.errorField === keyField;
}

function required(records: MiRecord[], field: string, pt: ProgramTransaction): string {
  const value = records[0]?.[field];
  if (value === undefined || value === '') {
    throw new MlcError('MLC_VENDOR_REJECTED', `M3 ${pt.program}/${pt.transaction} answered without ${field}`, { context: { program: pt.program, transaction: pt.transaction, field } });
  }
  return value;
}

/** The InforApi port over the M3 MI client, with the program/transaction names from the mapping. */
export function createInforApi({ m3, transactions: t }: InforApiParams): InforApi {
  const run = (pt: ProgramTransaction, record: MiInput, maxRecords?: number) =>
    m3.execute(pt.program, pt.transaction, record, maxRecords === undefined ? undefined : { maxRecords });
  const runEach = async (pt: ProgramTransaction, records: readonly MiInput[], options?: Pick<ExecuteOptions, 'idempotent'>) => {
    await m3.bulk(pt.program, records.map((record) => ({ transaction: pt.transaction, record })), options);
  };
  async function find(pt: ProgramTransaction, record: MiInput, keyField: string): Promise<MiRecord | undefined> {
    try {
      return (await run(pt, record, 1))[0];
    } catch (error) {
      if (isNotFound(error, keyField)) return undefined;
      throw error;
    }
  }

  return {
    getSupplier: (suno) => find(t.getSupplier, { SUNO: suno }, 'SUNO'),
    addSupplier: async (record) => void (await run(t.addSupplier, record)),
    updateSupplier: async (record) => void (await run(t.updateSupplier, record)),

    startPoEntry: async (batchOrigin) => required(await run(t.startPoEntry, { BAOR: batchOrigin }), 'MSGN', t.startPoEntry),
    addPoHead: async (msgn, head) => required(await run(t.addPoHead, { ...head, MSGN: msgn }), 'PUNO', t.addPoHead),
    addPoEntryLines: (msgn, puno, lines) => runEach(t.addPoEntryLine, lines.map((line) => ({ ...line, MSGN: msgn, PUNO: puno }))),
    finishPoEntry: async (msgn) => void (await run(t.finishPoEntry, { MSGN: msgn })),
    async deletePoEntry(msgn) {
      try {
        await run(t.deletePoEntry, { MSGN: msgn });
        return true;
      } catch (error) {
        if (isNotFound(error, 'MSGN')) return false;
        throw error;
      }
    },
    getPurchaseOrder: (puno) => find(t.getPoHead, { PUNO: puno }, 'PUNO'),
    listPurchaseOrderLines: (puno) => run(t.listPoLines, { PUNO: puno }, 0),
    addPurchaseOrderLines: (puno, lines) => runEach(t.addPoLine, lines.map((line) => ({ ...line, PUNO: puno }))),
    // Setting absolute values: repeating it after a timeout or 5xx sets them again, nothing more.
    updatePurchaseOrderLines: (puno, lines) => runEach(t.updatePoLine, lines.map((line) => ({ ...line, PUNO: puno })), { idempotent: true }),

    findInvoiceBatches: async ({ suno, spyn, sino }) =>
      (await run(t.findInvoiceBatches, { SUNO: suno, SPYN: spyn, SINO: sino }, 0)).map((r) => ({ INBN: r.INBN ?? '', SUPA: r.SUPA ?? '' })),
    addInvoiceHead: async (head) => required(await run(t.addInvoiceHead, head), 'INBN', t.addInvoiceHead),
    addInvoiceLines: (inbn, lines) => runEach(t.addInvoiceLine, lines.map((line) => ({ ...line, INBN: inbn }))),
    listInvoiceLines: (inbn) => run(t.listInvoiceLines, { INBN: inbn }, 0),
    validateInvoiceBatch: async (inbn) => void (await run(t.validateInvoiceBatch, { INBN: inbn })),
  };
}
