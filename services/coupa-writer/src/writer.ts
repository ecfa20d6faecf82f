import { CoupaMapping, coupaClientFromSettings } from '@mlc/coupa';
import { ENTITY_TYPES, topicFor } from '@mlc/events';
import type { WriterDefinition } from '@mlc/writer';
import { createCoupaHandler } from './handlers/coupa-handler.js';

/** coupa-writer: every SYSPRO entity topic in, Coupa records out. */
export const coupaWriter: WriterDefinition<{ coupa: typeof CoupaMapping }, 'coupa'> = {
  name: 'coupa-writer',
  topics: ENTITY_TYPES.map((entity) => topicFor('syspro', entity)),
  section: 'coupa',
  mappings: { coupa: CoupaMapping },
  createHandler({ connection, records, logger }) {
    const coupa = coupaClientFromSettings(connection.coupa, { logger });
    const handle = createCoupaHandler({ coupa, records, mapping: connection.mappings.coupa });
    return Promise.resolve((event, ctx) => handle(event, ctx));
  },
};
