import type { ConfigIssue } from '@mlc/config';
import { isMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';

function issuesOf(context: Record<string, unknown>): ConfigIssue[] {
  const issues = context.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter((i): i is ConfigIssue => typeof (i as ConfigIssue | null)?.path === 'string' && typeof (i as ConfigIssue).message === 'string');
}

/**
 * Logs why a service could not start. A bad configuration is the operator's to fix, so it gets
 * one line per problem naming the field, and no stack trace to dig it out of; anything else is
 * logged with its error as usual.
 */
export function reportStartFailure(logger: Logger, error: unknown, msg = 'start failed'): void {
  if (!isMlcError(error) || error.code !== 'MLC_CONFIG_INVALID') {
    logger.error({ err: error }, msg);
    return;
  }
  const err = error;
  const { issues: _issues, source, ...context } = err.context;
  const issues = issuesOf(err.context);
  if (issues.length === 0) {
    logger.error({ code: err.code, ...context }, `configuration invalid: ${err.message}`);
    return;
  }
  const where = typeof source === 'string' ? `${source}: ` : '';
  for (const issue of issues) {
    logger.error({ code: err.code, source, path: issue.path }, `configuration invalid: ${where}${issue.path}: ${issue.message}`);
  }
}
