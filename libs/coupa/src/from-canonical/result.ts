import { MlcError } from '@mlc/errors';

/** A mapper's answer: the vendor request, or why this event cannot be mapped (permanent). */
export type MapResult<T> = { ok: true; request: T } | { ok: false; error: MlcError };

export function mapped<T>(request: T): MapResult<T> {
  return { ok: true, request };
}

export function unmappable(message: string, context: Record<string, unknown>): MapResult<never> {
  return { ok: false, error: new MlcError('MLC_MAPPING_FAILED', message, { context }) };
}
