import type { z } from 'zod';

/**
 * One zod pass per record on the producing side. A value that a schema parsed here is deep-frozen
 * and remembered with that schema, so a later step that needs the same guarantee (`buildEvent` for
 * mapped data, a codec's `encode` for a built event) skips the pass: nothing can have changed the
 * value since. Anything else (a copy, a spread, a value parsed by another schema) is parsed as usual.
 */
const parsedBy = new WeakMap<object, z.ZodType>();
/** Built events → their JSON, made once from the canonical data JSON that the content hash covers. */
const payloads = new WeakMap<object, string>();

/**
 * `schema.safeParse(value)`, skipped when `value` is the frozen output of that schema; a successful
 * output is frozen and remembered. zod objects and arrays are new objects, so the input stays as it
 * was; a part a schema passes through as is (`z.unknown()`, `z.any()`) would be frozen with it.
 */
export function parseOnce<T>(schema: z.ZodType<T>, value: unknown): z.ZodSafeParseResult<T> {
  if (wasParsedBy(schema, value)) return { success: true, data: value as T };
  const result = schema.safeParse(value);
  if (result.success) rememberParsed(schema, result.data);
  return result;
}

/** Whether `value` is a frozen output of `schema` (see `parseOnce`). */
export function wasParsedBy(schema: z.ZodType, value: unknown): boolean {
  return typeof value === 'object' && value !== null && parsedBy.get(value) === schema;
}

/**
 * Marks `value` as `schema`'s output. Only for values that schema has just parsed, or that are
 * made only of parts it has (`buildEvent`: a parsed envelope with parsed data); it freezes them.
 */
export function rememberParsed(schema: z.ZodType, value: unknown, payload?: string): void {
  if (typeof value !== 'object' || value === null) return;
  deepFreeze(value);
  parsedBy.set(value, schema);
  if (payload !== undefined) payloads.set(value, payload);
}

/**
 * The JSON of a value for a topic whose schema is `schema`: without another pass when `value` is
 * that schema's frozen output, else `undefined` (the caller validates).
 */
export function parsedPayload(schema: z.ZodType, value: unknown): string | undefined {
  if (!wasParsedBy(schema, value)) return undefined;
  return payloads.get(value as object) ?? JSON.stringify(value);
}

/** The JSON of a value: for a built event the one made with it (see `buildEvent`), else `JSON.stringify`. */
export function jsonOf(value: unknown): string {
  return (typeof value === 'object' && value !== null ? payloads.get(value) : undefined) ?? JSON.stringify(value);
}

function deepFreeze(value: object): void {
  // A value already remembered was deep-frozen then (e.g. the parsed data inside a built event).
  if (parsedBy.has(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) deepFreeze(item);
    return;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) deepFreeze(item);
  }
}
