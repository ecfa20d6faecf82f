import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';

/** What `schema.safeParse` returns, typed loosely enough for any schema. */
export type SafeParse = (value: unknown) => { success: true; data: unknown } | { success: false; error: z.ZodError };

const compiled = new WeakMap<z.ZodType, SafeParse>();

/**
 * `schema.safeParse`, with a fast path: a check compiled once by ajv from the JSON Schema that zod
 * derives from the schema itself (zod stays the single source of truth). A value the compiled
 * check accepts is returned as it is; any other value goes to zod, which gives today's verdict,
 * output and errors.
 *
 * Sound because the compiled check only ever accepts values that zod accepts AND returns
 * unchanged: it checks zod's *output* view (closed objects, so anything zod would strip fails
 * it), and each string with an overwrite (`.trim()`) must be a fixed point of it. Schemas with
 * anything the JSON Schema cannot say exactly (refinements, transforms, defaults, string length
 * caps that ajv counts in code points where zod counts UTF-16 units, regex flags, formats zod does
 * not check by regex, non-discriminated unions) get no fast path: plain zod. A rejection by the
 * compiled check costs a second validation, by zod, and only for invalid (or not yet canonical)
 * values. Property-tested against zod in compiled-validator.test.ts.
 */
export function compiledSafeParse(schema: z.ZodType): SafeParse {
  let parse = compiled.get(schema);
  if (parse === undefined) {
    const check = compile(schema);
    const zodParse: SafeParse = (value) => schema.safeParse(value);
    parse = check === undefined ? zodParse : (value) => (check(value) ? { success: true, data: value } : schema.safeParse(value));
    compiled.set(schema, parse);
  }
  return parse;
}

const FIXED_POINT_KEYWORD = 'mlcFixedPoint';

/** Check kinds whose JSON Schema form accepts no value that zod rejects, per node type. */
const EXACT_CHECKS: Record<string, ReadonlySet<string>> = {
  string: new Set(['overwrite', 'min_length', 'string_format']),
  number: new Set(['number_format', 'greater_than', 'less_than', 'multiple_of']),
  array: new Set(['min_length', 'max_length', 'length_equals']),
};
/** Formats that zod checks by the regex it also puts in the JSON Schema as `pattern`, and nothing else. */
const PATTERN_FORMATS = new Set(['regex', 'datetime', 'date', 'time']);
const EXACT_TYPES = new Set(['object', 'string', 'number', 'boolean', 'null', 'literal', 'enum', 'array', 'optional', 'nullable', 'union']);

interface ZodInternals {
  type: string;
  checks?: Array<{ _zod: { def: { check: string; format?: string; pattern?: RegExp; tx?: (value: unknown) => unknown } } }>;
  discriminator?: string;
  format?: string;
  pattern?: RegExp;
}

function compile(schema: z.ZodType): ValidateFunction | undefined {
  const overwrites: Array<(value: unknown) => unknown> = [];
  let exact = true;
  let jsonSchema: Record<string, unknown>;
  try {
    jsonSchema = z.toJSONSchema(schema, {
      target: 'draft-7',
      io: 'output',
      unrepresentable: 'throw',
      override: ({ zodSchema, jsonSchema: node }) => {
        const def = (zodSchema as unknown as { _zod: { def: ZodInternals } })._zod.def;
        if (!EXACT_TYPES.has(def.type) || (def.type === 'union' && def.discriminator === undefined)) exact = false;
        // A format schema (z.iso.datetime()) is itself the check.
        if (def.format !== undefined && (!PATTERN_FORMATS.has(def.format) || (def.pattern?.flags ?? '') !== '')) exact = false;
        const fixed: number[] = [];
        for (const check of def.checks ?? []) {
          const { check: kind, format, pattern, tx } = check._zod.def;
          if (!EXACT_CHECKS[def.type]?.has(kind)) exact = false;
          else if (kind === 'string_format' && (!PATTERN_FORMATS.has(format ?? '') || (pattern?.flags ?? '') !== '')) exact = false;
          else if (kind === 'overwrite' && tx !== undefined) fixed.push(overwrites.push(tx) - 1);
        }
        if (fixed.length > 0) node[FIXED_POINT_KEYWORD] = fixed;
        // zod's discriminated union is a `oneOf`, which ajv checks against every option; the
        // discriminator (unique per option, zod enforces it) lets ajv check only the one it names.
        if (def.type === 'union' && def.discriminator !== undefined && Array.isArray(node.oneOf)) {
          node.type = 'object'; // every option is an object
          node.discriminator = { propertyName: def.discriminator };
        }
        // zod checks these by the pattern alone; ajv knows no formats.
        if (typeof node.format === 'string' && typeof node.pattern === 'string') delete node.format;
      },
    }) as Record<string, unknown>;
  } catch {
    return undefined; // unrepresentable (a transform, a custom type): zod only
  }
  if (!exact) return undefined;
  // unicodeRegExp off: patterns run as zod runs them (no `u` flag).
  const ajv = new Ajv({ strict: true, allErrors: false, unicodeRegExp: false, discriminator: true });
  ajv.addKeyword({
    keyword: FIXED_POINT_KEYWORD,
    type: 'string',
    schemaType: 'array',
    errors: false,
    // Only ever narrows what the check accepts; whatever it turns away, zod decides.
    validate: (indexes: number[], data: unknown) => typeof data === 'string' && indexes.every((i) => overwrites[i]!(data) === data),
  });
  try {
    return ajv.compile(jsonSchema);
  } catch {
    return undefined; // a keyword or format ajv cannot check as zod does: zod only
  }
}
