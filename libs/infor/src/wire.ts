import { z } from 'zod';

/** One MI record: field name → value. M3 answers strings; we send strings, numbers or booleans. */
export const MiRecord = z.record(z.string(), z.string());
export type MiRecord = z.infer<typeof MiRecord>;
export type MiInput = Readonly<Record<string, string | number | boolean | undefined>>;

export const MiResult = z.object({
  transaction: z.string().optional(),
  records: z.array(MiRecord).default([]),
  errorMessage: z.string().optional(),
  errorType: z.string().optional(),
  errorCode: z.string().optional(),
  errorField: z.string().optional(),
  errorCfg: z.string().optional(),
});
export type MiResult = z.infer<typeof MiResult>;

/**
 * The m3api-rest v2 answer, for single and bulk calls. Business errors come back in HTTP 200:
 * `nrOfFailedTransactions` (and each result's `errorType`/`errorField`) says so. Note M3's spelling
 * `nrOfSuccessfullTransactions`.
 */
export const MiResponse = z.object({
  results: z.array(MiResult),
  wasTerminated: z.boolean().optional(),
  nrOfSuccessfullTransactions: z.number().int().nonnegative().optional(),
  nrOfFailedTransactions: z.number().int().nonnegative(),
});
export type MiResponse = z.infer<typeof MiResponse>;

/** What M3 said about a failed transaction; clients branch on `errorType`/`errorField`, not on text or codes. */
export interface M3Failure {
  program: string;
  transaction: string;
  errorType?: string | undefined;
  errorField?: string | undefined;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
}
