import { USAGE, type Command } from './args.js';
import { formatChecks, planChecks, runChecks } from './check.js';
import { recordCheckRun } from '@mlc/audit';
import { MlcError } from '@mlc/errors';
import type { MlcDeps } from './context.js';
import { formatCredentials, formatPut, formatRewrap, listCredentials, putCredential, rewrapCredentials } from './credentials.js';
import { discard, formatEntries, formatResolved, formatShown, listEntries, redrive, showEntry } from './dlq.js';
import { formatReconcile, reconcile } from './reconcile.js';
import { formatRepublish, republish } from './republish.js';
import { formatResync, resync } from './resync.js';
import { formatMoves, rewindGroup } from './rewind.js';
import { formatStatus, loadStatus } from './status.js';
import { formatTrail, loadTrail } from './trail.js';

/** What a command produced: the value printed with --json, and the text for people. */
export interface CommandOutput {
  json: unknown;
  text: string;
  /** Set when the command ran but reports a failure (`mlc check`): the process exits with it. */
  exitCode?: number;
}

/** Runs one parsed command against the stack; `notify` takes progress lines (stderr). */
export async function runCommand(deps: MlcDeps, cmd: Command, notify: (line: string) => void = () => undefined): Promise<CommandOutput> {
  switch (cmd.name) {
    case 'help':
      return { json: { usage: USAGE }, text: USAGE };
    case 'trail': {
      const items = await loadTrail(deps, cmd.subject);
      return { json: { items }, text: formatTrail(items, deps.namespace.logical) };
    }
    case 'rewind': {
      const result = await rewindGroup({ ...deps, notify, now: deps.now }, cmd);
      return { json: result, text: formatMoves(result, deps.namespace.logical) };
    }
    case 'republish': {
      const result = await republish(deps, cmd);
      return { json: result, text: formatRepublish(result) };
    }
    case 'resync': {
      const result = await resync(deps, cmd);
      return { json: result, text: formatResync(result) };
    }
    case 'dlq-list': {
      const entries = await listEntries(deps, cmd);
      return { json: { entries }, text: formatEntries(entries) };
    }
    case 'dlq-show': {
      const record = await showEntry(deps, cmd.id);
      return { json: record, text: formatShown(record) };
    }
    case 'dlq-redrive': {
      const result = await redrive(deps, cmd);
      return { json: result, text: formatResolved(result) };
    }
    case 'dlq-discard': {
      const result = await discard(deps, cmd);
      return { json: result, text: formatResolved(result) };
    }
    case 'credentials-put': {
      const info = await putCredential(deps, cmd);
      return { json: info, text: formatPut(info, cmd.mode) };
    }
    case 'credentials-list': {
      const credentials = await listCredentials(deps);
      return { json: { credentials }, text: formatCredentials(credentials, deps.now()) };
    }
    case 'check': {
      const file = await deps.connections();
      if (cmd.connection !== undefined && !file.connections.some((c) => c.id === cmd.connection)) {
        throw new MlcError('MLC_CONFIG_INVALID', `no connection "${cmd.connection}" in the connections file (configured: ${file.connections.map((c) => c.id).join(', ')})`, {
          context: { option: 'connection' },
        });
      }
      const checks = await runChecks(
        planChecks({ namespace: deps.namespace, admin: deps.checkAdmin, registry: deps.registry, servicesDb: deps.pollerDb(), auditDb: deps.db, maxRecordBytes: deps.maxRecordBytes }, { file, connection: cmd.connection, timeoutMs: cmd.timeoutMs }),
        { timeoutMs: cmd.timeoutMs },
      );
      const report = { ok: checks.every((c) => c.ok), checks };
      // Kept for the console's connections page; a log that cannot take it (Postgres down) does not fail the check.
      await recordCheckRun(deps.db, { connection: cmd.connection ?? null, ok: report.ok, lines: checks.map(({ connection, system, check, ok, detail }) => ({ connection, system, check, ok, detail })) }).catch(
        (error: unknown) => deps.logger.warn({ err: error }, 'mlc check: could not keep the result in the audit log'),
      );
      return { json: report, text: formatChecks(report), exitCode: report.ok ? 0 : 1 };
    }
    case 'status': {
      const report = await loadStatus({ ...deps, admin: deps.checkAdmin }, { connection: cmd.connection });
      return { json: report, text: formatStatus(report) };
    }
    case 'reconcile': {
      const report = await reconcile(deps, cmd);
      return { json: report, text: formatReconcile(report) };
    }
    case 'credentials-rewrap': {
      const result = await rewrapCredentials(deps);
      return { json: result, text: formatRewrap(result) };
    }
  }
}
