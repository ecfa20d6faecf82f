import type { z } from 'zod';
import { MlcError } from '@mlc/errors';

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

export function issuesOf(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** One MLC_CONFIG_INVALID error listing every problem, each with the field it concerns. */
export function configError(source: string, issues: ConfigIssue[]): MlcError {
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
  return new MlcError('MLC_CONFIG_INVALID', `${source} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`, {
    context: { source, issues },
  });
}

/** Parses `input` with `schema`, throwing one error that names every invalid field. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, source: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw configError(source, issuesOf(result.error));
  return result.data;
}
