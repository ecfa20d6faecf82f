import { createPool } from '@mlc/db';
import { forgetConnection as forgetGateway } from '@mlc/coupa-gateway';
import { forgetConnection as forgetInforPoller } from '@mlc/infor-poller';
import { forgetConnection as forgetSysproPoller } from '@mlc/syspro-poller';
import { forgetConnection as forgetWriters } from '@mlc/writer';

/**
 * The sandbox starts fresh on every `npm start` (seeded, in memory), while PostgreSQL keeps what
 * the services knew of the previous sandbox under the same connection id. This forgets it before
 * the services start: the writers' target records and sync state, the gateway's handled call-outs
 * and PO lines, the pollers' hashes (and a SYSPRO resync from the start, the sandbox's rowversions
 * counting from 1 again). Kafka topics and the audit log keep their history. Returns the rows
 * deleted per table and the resync request id.
 */
export async function forgetSandboxState(databaseUrl: string, connection: string): Promise<{ deleted: Record<string, number>; resync?: string }> {
  const db = createPool(databaseUrl, { max: 1, applicationName: 'mlc-dev', statementTimeoutMs: 30_000 });
  try {
    const writers = await forgetWriters(db, connection);
    const gateway = await forgetGateway(db, connection);
    const inforPoller = await forgetInforPoller(db, connection);
    const syspro = await forgetSysproPoller(db, connection, 'npm start: the sandbox started fresh');
    return { deleted: { ...writers, ...gateway, ...inforPoller, ...syspro.deleted }, ...(syspro.resync !== undefined ? { resync: syspro.resync } : {}) };
  } finally {
    await db.end();
  }
}
