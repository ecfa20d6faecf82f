import type { z } from 'zod';

/** One key a configuration schema accepts, as documented in docs/CONFIGURATION.md. */
export interface SchemaKey {
  /** Dotted path; `[]` marks array items, `<key>` the keys of a record: `webhook.oauthClients[].clientId`. */
  path: string;
  /** What the value is: `string`, `number`, `boolean`, `"a" | "b"`, `string[]`, `object`, … */
  type: string;
  required: boolean;
  /** The default, as JSON, when the key has one. */
  default?: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, unknown>;
  defaultValue?: unknown;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under wrappers (optional, default, pipe, …), whether it may be left out, and its default. */
function unwrap(schema: z.ZodType): { core: z.ZodType; optional: boolean; default?: unknown } {
  let current = schema;
  let optional = false;
  let fallback: unknown;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'readonly') {
      optional ||= def.type === 'optional';
      current = def.innerType!;
    } else if (def.type === 'default' || def.type === 'prefault') {
      optional = true;
      fallback ??= def.defaultValue;
      current = def.innerType!;
    } else if (def.type === 'pipe') {
      // A transform first (z.preprocess) describes nothing: the keys are those of what follows it.
      current = defOf(def.in!).type === 'transform' ? def.out! : def.in!;
    } else return { core: current, optional, default: fallback };
  }
}

function typeName(schema: z.ZodType): string {
  const def = defOf(schema);
  switch (def.type) {
    case 'enum':
      return Object.values(def.entries ?? {}).map((v) => JSON.stringify(v)).join(' | ');
    case 'array':
      return `${typeName(unwrap(def.element!).core)}[]`;
    case 'record':
      return `{ [${typeName(unwrap(def.keyType!).core)}]: ${typeName(unwrap(def.valueType!).core)} }`;
    case 'union':
      return (def.options ?? []).map((o) => typeName(unwrap(o).core)).join(' | ');
    default:
      return def.type;
  }
}

/**
 * Every key `schema` accepts, nested objects flattened to dotted paths (arrays and records of
 * objects included). For documentation and the test that keeps docs/CONFIGURATION.md complete.
 */
export function schemaKeys(schema: z.ZodType, prefix = ''): SchemaKey[] {
  const { core } = unwrap(schema);
  const def = defOf(core);
  const join = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  if (def.type === 'object') {
    return Object.entries(def.shape ?? {}).flatMap(([key, value]) => {
      const { core: inner, optional, default: fallback } = unwrap(value);
      const here: SchemaKey = { path: join(key), type: typeName(inner), required: !optional, ...(fallback === undefined ? {} : { default: JSON.stringify(fallback) }) };
      return [here, ...schemaKeys(inner, join(key))];
    });
  }
  if (def.type === 'array') return schemaKeys(def.element!, `${prefix}[]`);
  if (def.type === 'record') return schemaKeys(def.valueType!, join('<key>'));
  return [];
}

/**
 * What a markdown key table (rows `` | `path` | type | required or default | … |``) gets wrong
 * about `keys` (from `schemaKeys`): keys without a row, and rows whose required/default cell
 * disagrees with the schema. Empty when the documentation is true to the schema.
 */
export function documentationGaps(keys: readonly SchemaKey[], markdown: string): string[] {
  const rows = new Map<string, string>();
  for (const line of markdown.split('\n')) {
    const match = /^\| `([^`]+)` \|/.exec(line);
    if (match) rows.set(match[1]!, line);
  }
  return keys.flatMap((key) => {
    const row = rows.get(key.path);
    if (row === undefined) return [`${key.path}: not documented`];
    const cells = row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
    const documented = cells[3] ?? '';
    if (key.required && documented !== 'required') return [`${key.path}: required, documented as "${documented}"`];
    if (key.default !== undefined && key.default !== '{}' && documented !== `default \`${key.default}\``) {
      return [`${key.path}: default ${key.default}, documented as "${documented}"`];
    }
    return [];
  });
}

/**
 * Environment settings of `schema` without their row in a markdown table of variables
 * (`| \`NAME\` | \`default\` | meaning |`, docs/CONFIGURATION.md), the default as the schema has it.
 */
export function envDocumentationGaps(schema: z.ZodObject, markdown: string): string[] {
  return Object.entries(schema.shape).flatMap(([name, field]) => {
    const parsed = (field as z.ZodType).safeParse(undefined);
    const value: unknown = parsed.success ? parsed.data : undefined;
    const row = value === undefined ? `| \`${name}\` |` : `| \`${name}\` | \`${String(value)}\` |`;
    return markdown.includes(row) ? [] : [`${name}: no row "${row}"`];
  });
}
