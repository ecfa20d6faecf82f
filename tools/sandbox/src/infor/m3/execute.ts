import { APS450MI, APS455MI } from './aps.js';
import { CRS620MI } from './crs620mi.js';
import { EXT620MI } from './ext620mi.js';
import { transaction, type Program } from './program.js';
import { PPS200MI, PPS370MI } from './pps.js';
import { MiFailure, alpha, nok, type MiError, type MiRecord } from './protocol.js';
import type { M3State } from './state.js';

const APIS: Readonly<Record<string, Program>> = { CRS620MI, EXT620MI, PPS200MI, PPS370MI, APS450MI, APS455MI };

/**
 * MRS001MI, M3's MI repository (metadata, read-only): `LstTransactions` lists the transactions of
 * the program `MINM` (`TRNM`, and `SIMR`: `M` for multi-record list transactions, `S` otherwise),
 * NOK when the program does not exist. `mlc check` asks it whether the programs a connection uses
 * are there without touching business data.
 */
const MRS001MI: Program = {
  LstTransactions: transaction({ MINM: alpha(10, true) }, (input) => {
    const program = APIS[input.MINM!];
    if (program === undefined) throw nok('MINM', 'WMI0001', `Program ${input.MINM!} does not exist`);
    return Object.keys(program)
      .sort()
      .map((name) => ({ MINM: input.MINM!, TRNM: name, TRDS: '', SIMR: name.startsWith('Lst') ? 'M' : 'S' }));
  }),
};

const PROGRAMS: Readonly<Record<string, Program>> = { ...APIS, MRS001MI };

export interface MiResult extends Partial<MiError> {
  transaction: string;
  records: MiRecord[];
}

/** The m3api-rest v2 answer; `nrOfSuccessfullTransactions` is spelled as M3 spells it. */
export interface MiResponse {
  results: MiResult[];
  wasTerminated: boolean;
  nrOfSuccessfullTransactions: number;
  nrOfFailedTransactions: number;
}

export interface ExecuteOptions {
  /** maxrecs: 0 means no limit. m3api-rest's default is 100. */
  maxRecords: number;
  returnColumns?: readonly string[];
  /** excludempty: leave out fields whose value is blank. */
  excludeEmpty: boolean;
  cono?: string;
  divi?: string;
}

export function isKnownTransaction(program: string, transaction: string): boolean {
  return Object.hasOwn(PROGRAMS, program) && Object.hasOwn(PROGRAMS[program]!, transaction);
}

/** Runs one transaction; NOK answers come back in the result, never as exceptions. */
export function executeTransaction(params: {
  state: M3State;
  program: string;
  transaction: string;
  record: Readonly<Record<string, string>>;
  options: ExecuteOptions;
  today: Date;
}): MiResult {
  const { state, program, transaction, record, options, today } = params;
  const fail = (error: MiError): MiResult => ({ transaction, records: [], ...error });
  if (!isKnownTransaction(program, transaction)) {
    return fail({ errorType: 'TransactionNotFound', errorMessage: `Transaction ${transaction} does not exist in program ${program}`, errorCode: 'XTR0001' });
  }
  const cono = options.cono ?? record.CONO ?? state.company;
  if (Number(cono) !== Number(state.company)) {
    return fail({ errorType: 'ServerReturnedNOK', errorMessage: `Not authorized for company ${cono}`, errorCode: 'XAU0008', errorField: 'CONO' });
  }
  try {
    const records = PROGRAMS[program]![transaction]!(record, { state, cono: state.company, divi: options.divi ?? state.division, today });
    const limited = options.maxRecords > 0 ? records.slice(0, options.maxRecords) : records;
    return { transaction, records: limited.map((r) => shape(r, options)) };
  } catch (error) {
    if (error instanceof MiFailure) return fail(error.error);
    throw error;
  }
}

function shape(record: MiRecord, { returnColumns, excludeEmpty }: ExecuteOptions): MiRecord {
  const out: MiRecord = {};
  const fields = returnColumns && returnColumns.length > 0 ? returnColumns : Object.keys(record);
  for (const field of fields) {
    const value = record[field] ?? '';
    if (excludeEmpty && value === '') continue;
    out[field] = value;
  }
  return out;
}

export function envelope(results: MiResult[]): MiResponse {
  const failed = results.filter((r) => r.errorType !== undefined).length;
  return { results, wasTerminated: false, nrOfSuccessfullTransactions: results.length - failed, nrOfFailedTransactions: failed };
}
