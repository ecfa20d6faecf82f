import type { z } from 'zod';
import { MlcError } from '@mlc/errors';

/** A mapper's answer: the canonical record with its natural key and source time, or why it cannot be mapped (permanent). */
export type ToCanonicalResult<T> =
  | { ok: true; key: string; data: T; occurredAt: string; actor?: string }
  | { ok: false; error: MlcError };

export interface Mapped {
  key: string;
  data: unknown;
  occurredAt: string;
  actor?: string | undefined;
}

class Unmappable {
  constructor(
    readonly message: string,
    readonly context: Record<string, unknown>,
  ) {}
}

/** Stops a mapper body; `mapRecord` turns it into `{ ok: false, error: MLC_MAPPING_FAILED }`. */
export function unmappable(message: string, context: Record<string, unknown> = {}): never {
  throw new Unmappable(message, context);
}

const paths = (error: z.ZodError) => error.issues.map((i) => i.path.join('.') || '(root)');

/**
 * Validates the body against its wire schema, runs the mapper, then validates the result against
 * the canonical schema, so every failure is an MLC_MAPPING_FAILED naming the record and the paths.
 */
export function mapRecord<W, T>(params: {
  entity: string;
  body: unknown;
  wire: z.ZodType<W>;
  canonical: z.ZodType<T>;
  keyOf: (body: unknown) => unknown;
  map: (record: W) => Mapped;
}): ToCanonicalResult<T> {
  const { entity, body, wire, canonical, keyOf, map } = params;
  const peeked = keyOf(body);
  const context: Record<string, unknown> = { entity, ...(typeof peeked === 'string' || typeof peeked === 'number' ? { key: String(peeked) } : {}) };
  const record = wire.safeParse(body);
  if (!record.success) return failure(`Coupa ${entity} does not match the wire format`, { ...context, stage: 'wire', paths: paths(record.error) });
  try {
    const { key, data, occurredAt, actor } = map(record.data);
    const parsed = canonical.safeParse(data);
    if (!parsed.success) {
      return failure(`Coupa ${entity} ${key} does not map to a valid canonical record`, { ...context, key, stage: 'canonical', paths: paths(parsed.error) });
    }
    return { ok: true, key, data: parsed.data, occurredAt, ...(actor ? { actor } : {}) };
  } catch (error) {
    if (error instanceof Unmappable) return failure(error.message, { ...context, ...error.context });
    throw error;
  }
}

function failure(message: string, context: Record<string, unknown>): { ok: false; error: MlcError } {
  return { ok: false, error: new MlcError('MLC_MAPPING_FAILED', message, { context }) };
}

/** Trimmed text; blank and null are absent. */
export function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Drops undefined members; an object left empty is itself absent (a hash must not tell `{}` from nothing). */
export function compact<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

/** An instant as ISO 8601 UTC, whatever offset Coupa wrote it with. */
export function utc(instant: string): string {
  return new Date(instant).toISOString();
}

/** The calendar date of a Coupa date or instant, as written (Coupa writes dates in the instance's zone). */
export function calendarDate(value: string): string {
  return value.slice(0, 10);
}

export function actorOf(user: { login?: string | null | undefined; email?: string | null | undefined } | null | undefined): string | undefined {
  return text(user?.login) ?? text(user?.email);
}

export function peek(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}
