import { topicFor } from '@mlc/events';
import { InforMapping, createInforApi, m3ClientFromSettings, type M3Client } from '@mlc/infor';
import { createSupplierSync, type WriterDefinition } from '@mlc/writer';
import { createInforHandler, m3SupplierWrites } from './handlers/infor-handler.js';

/**
 * infor-writer: Coupa suppliers, purchase orders and invoices in, M3 records out. At shutdown,
 * once no event is handled any more, it revokes each connection's ION access token (best effort:
 * a short deadline per revoke, failures logged).
 */
export function createInforWriter(): WriterDefinition<{ infor: typeof InforMapping }, 'infor'> {
  const m3Clients: M3Client[] = [];
  return {
    name: 'infor-writer',
    topics: [topicFor('coupa', 'supplier'), topicFor('coupa', 'purchase-order'), topicFor('coupa', 'invoice')],
    section: 'infor',
    mappings: { infor: InforMapping },
    async createHandler({ connection, records, syncState, logger, createLimiter }) {
      const mapping = connection.mappings.infor;
      const m3 = m3ClientFromSettings(connection.infor, { logger, createLimiter });
      m3Clients.push(m3);
      const admitSupplier = createSupplierSync({ system: 'infor', state: syncState, rules: connection.sync.supplier, writes: m3SupplierWrites(mapping) });
      const handle = createInforHandler({ infor: createInforApi({ m3, transactions: mapping.transactions }), records, mapping, admitSupplier, logger });
      return (event, ctx) => handle(event, ctx);
    },
    async close() {
      await Promise.all(m3Clients.map((m3) => m3.close()));
    },
  };
}
