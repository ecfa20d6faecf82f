import { isKnownConnection, recordOperatorAction, type Db } from '@mlc/audit';
import { MlcError } from '@mlc/errors';
import { checkResyncRequest, requestResync } from '@mlc/syspro-poller';
import type { Command } from './args.js';
import { renderTable } from './table.js';

export type ResyncCommand = Extract<Command, { name: 'resync' }>;

export interface ResyncResult {
  requestId: string;
  actionId: string;
  connection: string;
  entity: string;
  since: string | null;
}

export interface ResyncDeps {
  /** The audit log: the connection is checked there and the action recorded. */
  db: Db;
  /** The poller's database (its own tables, outside the audit schema). */
  pollerDb(): Db;
  now(): Date;
}

/**
 * Asks the connection's syspro-poller to read an entity (or all) again from the start or from a
 * time: every record it reads is published once more, whatever hashes it remembered. Checked
 * first (bad input changes nothing), then recorded as an operator action, then requested; the
 * leader applies it at the entity's next poll tick.
 */
export async function resync(deps: ResyncDeps, cmd: Pick<ResyncCommand, 'connection' | 'entityType' | 'since' | 'actor'>): Promise<ResyncResult> {
  const request = checkResyncRequest({ connection: cmd.connection, entity: cmd.entityType, since: cmd.since, requestedBy: cmd.actor }, deps.now());
  if (!(await isKnownConnection(deps.db, cmd.connection))) {
    throw new MlcError('MLC_CONFIG_INVALID', `unknown connection "${cmd.connection}": the audit log has no event, outcome or DLQ entry of it`, { context: { connection: cmd.connection } });
  }
  const selection = { connection: cmd.connection, entityType: cmd.entityType ?? null, since: cmd.since?.toISOString() ?? null };
  const action = await recordOperatorAction(deps.db, { kind: 'resync', actor: cmd.actor, selection, recordCount: 0 });
  const { id } = await requestResync(deps.pollerDb(), { ...request, reason: `mlc operator action ${action.id}` });
  return { requestId: id, actionId: action.id, connection: cmd.connection, entity: cmd.entityType ?? 'every entity', since: selection.since };
}

export function formatResync(result: ResyncResult): string {
  return `${renderTable(
    [{ header: 'CONNECTION' }, { header: 'ENTITY' }, { header: 'SINCE' }, { header: 'REQUEST' }, { header: 'ACTION' }],
    [[result.connection, result.entity, result.since ?? 'the start', result.requestId, result.actionId]],
  )}\nsyspro-poller applies it at the entity's next poll tick; every record it reads is published once more.\n`;
}
