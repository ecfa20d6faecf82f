import { MlcError } from '@mlc/errors';

/** A mapper's answer: the M3 input, or why this event cannot be mapped (permanent). */
export type MapResult<T> = { ok: true; request: T } | { ok: false; error: MlcError };

export function mapped<T>(request: T): MapResult<T> {
  return { ok: true, request };
}

export function unmappable(message: string, context: Record<string, unknown>): MapResult<never> {
  return { ok: false, error: new MlcError('MLC_MAPPING_FAILED', message, { context }) };
}

/** ISO date (YYYY-MM-DD) → M3 date (YYYYMMDD). */
export function m3Date(isoDate: string): string {
  return isoDate.replaceAll('-', '');
}

/** M3 alpha fields have fixed lengths; a value that does not fit is reported, never cut silently. */
export function tooLong(value: string | undefined, max: number): boolean {
  return value !== undefined && value.length > max;
}
