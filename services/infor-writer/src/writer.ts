import type { Connection } from '@mlc/config';
import { topicFor } from '@mlc/events';
import { InforMapping, createInforApi, createM3Client, readIonApiFile, type M3Client } from '@mlc/infor';
import type { ConnectionHandlerDeps, WriterDefinition } from '@mlc/writer';
import { createInforHandler } from './handlers/infor-handler.js';

/** The M3 client of one connection: its `.ionapi` file, company, division and limits. */
function createConnectionM3Client(connection: Connection, logger: ConnectionHandlerDeps['logger']): M3Client {
  const settings = connection.infor!;
  return createM3Client({
    credentials: readIonApiFile(settings.ionapiFile),
    company: settings.company,
    division: settings.division,
    requestsPerMinute: settings.requestsPerMinute,
    tokenRefreshBeforeSeconds: settings.tokenRefreshBeforeSeconds,
    timeoutMs: settings.timeoutMs,
    logger,
  });
}

/**
 * infor-writer: Coupa suppliers, purchase orders and invoices in, M3 records out. At shutdown,
 * once no event is handled any more, it revokes each connection's ION access token (best effort:
 * a short deadline per revoke, failures logged).
 */
export function createInforWriter(): WriterDefinition {
  const m3Clients: M3Client[] = [];
  return {
    name: 'infor-writer',
    topics: [topicFor('coupa', 'supplier'), topicFor('coupa', 'purchase-order'), topicFor('coupa', 'invoice')],
    serves: (connection: Connection) => connection.infor !== undefined,
    mappings: { infor: InforMapping },
    async createHandler({ connection, records, logger }) {
      const mapping = InforMapping.parse(connection.mappings.infor);
      const m3 = createConnectionM3Client(connection, logger);
      m3Clients.push(m3);
      const handle = createInforHandler({ infor: createInforApi({ m3, transactions: mapping.transactions }), records, mapping, logger });
      return (event) => handle(event);
    },
    async close() {
      await Promise.all(m3Clients.map((m3) => m3.close()));
    },
  };
}
