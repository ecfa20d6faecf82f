import type { z } from 'zod';
import { mapStopping, mapped, parseOnce, unmappable, type MapResult, type SourceRecord } from '@mlc/events';

/** A Coupa record mapped to canonical data: Coupa always says when it changed (`updated-at`). */
export type CoupaSourceRecord<T> = SourceRecord<T> & { occurredAt: string };

interface Mapped {
  key: string;
  data: unknown;
  occurredAt: string;
  actor?: string | undefined;
}

const paths = (error: z.ZodError) => error.issues.map((i) => i.path.join('.') || '(root)');

/**
 * Validates the body against its wire schema, runs the mapper, then validates the result against
 * the canonical schema, so every failure is an MLC_MAPPING_FAILED naming the record and the paths.
 * The mapper may end early with `stopMapping`.
 */
export function mapRecord<W, T>(params: {
  entity: string;
  body: unknown;
  wire: z.ZodType<W>;
  canonical: z.ZodType<T>;
  keyOf: (body: unknown) => unknown;
  map: (record: W) => Mapped;
}): MapResult<CoupaSourceRecord<T>> {
  const { entity, body, wire, canonical, keyOf, map } = params;
  const peeked = keyOf(body);
  const context: Record<string, unknown> = { entity, ...(typeof peeked === 'string' || typeof peeked === 'number' ? { key: String(peeked) } : {}) };
  const record = wire.safeParse(body);
  if (!record.success) return unmappable(`Coupa ${entity} does not match the wire format`, { ...context, stage: 'wire', paths: paths(record.error) });
  return mapStopping(context, () => {
    const { key, data, occurredAt, actor } = map(record.data);
    // Parsed once: buildEvent takes the frozen output without parsing it again.
    const parsed = parseOnce(canonical, data);
    if (!parsed.success) {
      return unmappable(`Coupa ${entity} ${key} does not map to a valid canonical record`, { ...context, key, stage: 'canonical', paths: paths(parsed.error) });
    }
    return mapped({ key, data: parsed.data, occurredAt, ...(actor ? { actor } : {}) });
  });
}

/** Trimmed text; blank and null are absent. */
export function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export { compact } from '@mlc/events';

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
