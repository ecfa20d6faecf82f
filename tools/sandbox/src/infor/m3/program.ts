import { readInput, type InputSpec, type MiRecord } from './protocol.js';
import type { M3State } from './state.js';

export interface MiContext {
  state: M3State;
  /** Company and division the call runs in (query/bulk `cono`/`divi`, else the user's defaults). */
  cono: string;
  divi: string;
  today: Date;
}

export type Transaction = (raw: Readonly<Record<string, string>>, ctx: MiContext) => MiRecord[];
export type Program = Readonly<Record<string, Transaction>>;

/** A transaction whose inputs are checked against `spec` before `run` sees them. */
export function transaction(spec: InputSpec, run: (input: MiRecord, ctx: MiContext) => MiRecord[]): Transaction {
  return (raw, ctx) => run(readInput(spec, raw), ctx);
}
