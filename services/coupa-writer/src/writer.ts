import { CoupaMapping, coupaClientFromSettings } from '@mlc/coupa';
import { ENTITY_TYPES, topicFor } from '@mlc/events';
import { createSupplierSync, type WriterDefinition } from '@mlc/writer';
import { COUPA_SUPPLIER_WRITES, createCoupaHandler } from './handlers/coupa-handler.js';

/** coupa-writer: every SYSPRO entity topic and M3's suppliers in, Coupa records out. */
export const coupaWriter: WriterDefinition<{ coupa: typeof CoupaMapping }, 'coupa'> = {
  name: 'coupa-writer',
  // The handler writes a supplier.changed the same whichever ERP it came from.
  topics: [...ENTITY_TYPES.map((entity) => topicFor('syspro', entity)), topicFor('infor', 'supplier')],
  section: 'coupa',
  // A supplier is ~5 SQL round trips and 1-2 Coupa calls in sequence: latency, not CPU. 16 per
  // partition (different suppliers, one supplier in order); the token bucket still bounds the calls.
  keyConcurrency: 16,
  mappings: { coupa: CoupaMapping },
  createHandler({ connection, records, syncState, logger, createLimiter }) {
    const coupa = coupaClientFromSettings(connection.coupa, { logger, createLimiter });
    const admitSupplier = createSupplierSync({ system: 'coupa', state: syncState, rules: connection.sync.supplier, writes: COUPA_SUPPLIER_WRITES });
    const handle = createCoupaHandler({ coupa, records, mapping: connection.mappings.coupa, admitSupplier });
    return Promise.resolve((event, ctx) => handle(event, ctx));
  },
};
