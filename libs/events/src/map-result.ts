import { MlcError } from '@mlc/errors';

/**
 * What every mapper answers, in both directions (vendor record → canonical, canonical → vendor
 * request): the mapped value, or why this input can never be mapped (MLC_MAPPING_FAILED, a
 * permanent failure that goes to the DLQ or the rejection log). Mappers return it; they never
 * throw it. It lives beside the canonical model because every vendor library maps to or from it.
 */
export type MapResult<T> = { ok: true; value: T } | { ok: false; error: MlcError };

/** A vendor record mapped to canonical data, with its natural key and, where the source says, when and by whom it changed. */
export interface SourceRecord<T> {
  key: string;
  data: T;
  occurredAt?: string;
  actor?: string;
}

export function mapped<T>(value: T): MapResult<T> {
  return { ok: true, value };
}

export function unmappable(message: string, context: Record<string, unknown> = {}): MapResult<never> {
  return { ok: false, error: new MlcError('MLC_MAPPING_FAILED', message, { context }) };
}

/**
 * Drops undefined members; an object left empty is itself absent (a hash must not tell `{}` from
 * nothing). For mappers building canonical data from optional vendor fields. A loop, not
 * entries/filter/fromEntries: it runs a few times for every record polled or received.
 */
export function compact<T extends object>(value: T): T | undefined {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) (out ??= {})[key] = item;
  }
  return out as T | undefined;
}

class MappingStopped {
  constructor(
    readonly message: string,
    readonly context: Record<string, unknown>,
  ) {}
}

/**
 * Ends a mapper body from inside a field reader (`requiredText(row, 'SupCode')`), so a mapper reads
 * straight through instead of checking a result after every field. Only valid inside `mapStopping`,
 * which turns it into `unmappable`.
 */
export function stopMapping(message: string, context: Record<string, unknown> = {}): never {
  throw new MappingStopped(message, context);
}

/** Runs a mapper body; a `stopMapping` inside becomes `unmappable(message, { ...context, ...its context })`. Other throws are bugs and stay throws. */
export function mapStopping<T>(context: Record<string, unknown>, body: () => MapResult<T>): MapResult<T> {
  try {
    return body();
  } catch (error) {
    if (error instanceof MappingStopped) return unmappable(error.message, { ...context, ...error.context });
    throw error;
  }
}
