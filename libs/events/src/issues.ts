import type { z } from 'zod';
import { MlcError, type ErrorContext } from '@mlc/errors';

export interface FieldIssue {
  /** Dotted path with array indexes, e.g. `data.lines[0].quantity`; `(root)` for the value itself. */
  path: string;
  message: string;
}

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message }));
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * MLC_EVENT_INVALID naming every failing field. zod's default messages do not echo input values,
 * so no field content (bank details, tax ids) reaches the message.
 */
export function eventInvalid(what: string, error: z.ZodError, context: ErrorContext): MlcError {
  const issues = issuesOf(error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new MlcError('MLC_EVENT_INVALID', `${what} is invalid: ${summary}`, {
    cause: error,
    context: { ...context, paths: issues.map((i) => i.path), issues },
  });
}
