/**
 * The m3api-rest v2 wire contract: one MI transaction in, `{ records }` or an error quartet out.
 * Programs declare their inputs as field specs; this module checks them the way M3's metadata
 * does (mandatory, length, numeric, date) before the transaction logic runs.
 */

export type MiRecord = Record<string, string>;

/** The errorType values m3api-rest reports (see docs/infor.md for the sources). */
export type MiErrorType = 'ServerReturnedNOK' | 'MandatoryInputFieldNotFound' | 'InputFieldTooLong' | 'TransactionNotFound';

export interface MiError {
  errorType: MiErrorType;
  errorMessage: string;
  errorCode?: string;
  errorField?: string;
  errorCfg?: string;
}

/** Thrown inside a transaction to answer NOK; the executor turns it into the error quartet. */
export class MiFailure extends Error {
  constructor(readonly error: MiError) {
    super(error.errorMessage);
  }
}

export function nok(field: string | undefined, code: string, message: string): MiFailure {
  return new MiFailure({ errorType: 'ServerReturnedNOK', errorMessage: message, errorCode: code, ...(field ? { errorField: field } : {}) });
}

export interface FieldSpec {
  kind: 'A' | 'N' | 'D';
  /** Alpha: max characters; numeric: max integer digits. */
  length: number;
  decimals?: number;
  required?: boolean;
}

export const alpha = (length: number, required = false): FieldSpec => ({ kind: 'A', length, required });
export const num = (length: number, decimals = 0, required = false): FieldSpec => ({ kind: 'N', length, decimals, required });
export const date = (required = false): FieldSpec => ({ kind: 'D', length: 8, required });

export type InputSpec = Record<string, FieldSpec>;

/**
 * Validates and trims the declared inputs; undeclared fields are dropped (m3api-rest only reads
 * the fields a transaction declares). Blank counts as absent, as in M3.
 */
export function readInput(spec: InputSpec, raw: Readonly<Record<string, string>>): MiRecord {
  const input: MiRecord = {};
  for (const [field, rule] of Object.entries(spec)) {
    const value = (raw[field] ?? '').trim();
    if (value === '') {
      if (rule.required) {
        throw new MiFailure({ errorType: 'MandatoryInputFieldNotFound', errorMessage: `Input field ${field} is mandatory`, errorCode: 'XMI0001', errorField: field });
      }
      continue;
    }
    if (rule.kind === 'A' && value.length > rule.length) {
      throw new MiFailure({
        errorType: 'InputFieldTooLong',
        errorMessage: `Input field ${field} is longer than ${rule.length} characters`,
        errorCode: 'XMI0002',
        errorField: field,
      });
    }
    if (rule.kind === 'N' && !numericFits(value, rule.length, rule.decimals ?? 0)) {
      throw nok(field, 'XNU0001', `${field} must be numeric with at most ${rule.length} digits and ${rule.decimals ?? 0} decimals`);
    }
    if (rule.kind === 'D' && !isM3Date(value)) throw nok(field, 'XDT0001', `${field} must be a date YYYYMMDD`);
    input[field] = value;
  }
  return input;
}

function numericFits(value: string, digits: number, decimals: number): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return false;
  return match[1]!.replace(/^0+(?=\d)/, '').length <= digits && (match[2]?.length ?? 0) <= decimals;
}

function isM3Date(value: string): boolean {
  if (!/^\d{8}$/.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  const day = Number(value.slice(6, 8));
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export function toM3Date(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

/** M3 amounts travel as plain decimal strings without trailing zeros. */
export function formatNumber(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
