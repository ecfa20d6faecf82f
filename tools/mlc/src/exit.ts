import { toMlcError, type MlcError } from '@mlc/errors';

/** What `mlc` exits with: 0 done, 1 the operation failed, 2 bad input (nothing was changed). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** Bad input is what the operator can fix by asking differently; everything else is a failure. */
export function exitCodeFor(error: unknown): number {
  return toMlcError(error).code === 'MLC_CONFIG_INVALID' ? EXIT.badInput : EXIT.failed;
}

/** One line for stderr, and the error as JSON for `--json`. */
export function describeError(error: unknown): { line: string; json: ReturnType<MlcError['toJSON']> } {
  const e = toMlcError(error);
  return { line: `mlc: ${e.message} (${e.code})`, json: e.toJSON() };
}
