import type { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { unknownKeyMessage } from './suggest.js';

export interface ConfigIssue {
  path: string;
  message: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

// The keys a strict object (or an enum-keyed record) knows, by the `keys` array of the
// `unrecognized_keys` issue it raised: zod hands that array on unchanged to the final issue, which
// no longer carries the schema, so `issuesOf` can offer the closest known key.
const knownKeysByIssue = new WeakMap<readonly string[], readonly string[]>();

interface SchemaDef {
  type?: string;
  shape?: Record<string, unknown>;
  keyType?: { _zod: { values?: ReadonlySet<unknown> } };
}

function knownKeys(inst: unknown): readonly string[] {
  const def = (inst as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
  if (def?.type === 'object' && def.shape) return Object.keys(def.shape);
  if (def?.type === 'record' && def.keyType?._zod.values) return [...def.keyType._zod.values].filter((k): k is string => typeof k === 'string');
  return [];
}

/**
 * Parse-time error map (zod's `error` parse option): remembers what a strict object knows, and
 * says "required" for a missing key rather than "expected string, received undefined".
 */
function configErrorMap(issue: { code?: string; keys?: readonly string[]; inst?: unknown; input?: unknown; expected?: string }): string | undefined {
  if (issue.code === 'unrecognized_keys' && issue.keys) knownKeysByIssue.set(issue.keys, knownKeys(issue.inst));
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required (${issue.expected})`;
  return undefined;
}

/**
 * One ConfigIssue per problem, each naming its field. An unknown key (from a `.strict()` object)
 * is one issue per key at the object's path, with the closest known key when one is near:
 * `connections[0].syspro.poll.entities.supplier: unknown key "cursorColum" (did you mean "cursorColumn"?)`.
 */
export function issuesOf(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const path = formatPath(issue.path);
    if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message }];
    const known = knownKeysByIssue.get(issue.keys) ?? [];
    return issue.keys.map((key) => ({ path, message: unknownKeyMessage(key, known) }));
  });
}

/** One MLC_CONFIG_INVALID error listing every problem, each with the field it concerns. */
export function configError(source: string, issues: ConfigIssue[]): MlcError {
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
  return new MlcError('MLC_CONFIG_INVALID', `${source} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`, {
    context: { source, issues },
  });
}

/**
 * Parses `input` with `schema`, throwing one error that names every invalid field (unknown keys
 * with a "did you mean"). `extraIssues` are problems found outside the schema, reported with them.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, source: string, extraIssues: readonly ConfigIssue[] = []): z.output<S> {
  const result = schema.safeParse(input, { error: configErrorMap });
  const issues = [...extraIssues, ...(result.success ? [] : issuesOf(result.error))];
  if (issues.length > 0 || !result.success) throw configError(source, issues);
  return result.data;
}
