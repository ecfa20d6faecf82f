import type { Connection } from '@mlc/config';
import { topicFor } from '@mlc/events';
import { InforMapping, createInforApi, createM3Client, readIonApiFile, type InforApi } from '@mlc/infor';
import type { EventHandler } from '@mlc/kafka';
import type { ConnectionHandlerDeps, WriterDefinition } from '@mlc/writer';
import { createInforHandler } from './handlers/infor-handler.js';

/** The M3 port for one connection: its `.ionapi` file, limits and mapped transaction names. */
export function createConnectionInforApi(connection: Connection, mapping: InforMapping, logger?: ConnectionHandlerDeps['logger']): InforApi {
  const settings = connection.infor!;
  const m3 = createM3Client({
    credentials: readIonApiFile(settings.ionapiFile),
    company: settings.company,
    division: settings.division,
    requestsPerMinute: settings.requestsPerMinute,
    tokenRefreshBeforeSeconds: settings.tokenRefreshBeforeSeconds,
    timeoutMs: settings.timeoutMs,
    logger,
  });
  return createInforApi({ m3, transactions: mapping.transactions });
}

/** infor-writer: Coupa suppliers, purchase orders and invoices in, M3 records out. */
export const inforWriter: WriterDefinition = {
  name: 'infor-writer',
  topics: [topicFor('coupa', 'supplier'), topicFor('coupa', 'purchase-order'), topicFor('coupa', 'invoice')],
  serves: (connection: Connection) => connection.infor !== undefined,
  mappings: { infor: InforMapping },
  async createHandler({ connection, records, logger }: ConnectionHandlerDeps): Promise<EventHandler> {
    const mapping = InforMapping.parse(connection.mappings.infor);
    const handle = createInforHandler({ infor: createConnectionInforApi(connection, mapping, logger), records, mapping, logger });
    return (event) => handle(event);
  },
};
