import { CoupaMapping, createCoupaClient } from '@mlc/coupa';
import type { Connection } from '@mlc/config';
import { ENTITY_TYPES, topicFor } from '@mlc/events';
import type { EventHandler } from '@mlc/kafka';
import type { ConnectionHandlerDeps, WriterDefinition } from '@mlc/writer';
import { createCoupaHandler } from './handlers/coupa-handler.js';

/** coupa-writer: every SYSPRO entity topic in, Coupa records out. */
export const coupaWriter: WriterDefinition = {
  name: 'coupa-writer',
  topics: ENTITY_TYPES.map((entity) => topicFor('syspro', entity)),
  serves: (connection: Connection) => connection.coupa !== undefined,
  mappings: { coupa: CoupaMapping },
  createHandler({ connection, records, logger }: ConnectionHandlerDeps): Promise<EventHandler> {
    const settings = connection.coupa!;
    const mapping = CoupaMapping.parse(connection.mappings.coupa);
    const coupa = createCoupaClient({
      url: settings.url,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret.reveal(),
      scopes: settings.scopes,
      apiVersion: settings.apiVersion,
      timeoutMs: settings.timeoutMs,
      rateLimit: settings.rateLimit,
      logger,
    });
    const handle = createCoupaHandler({ coupa, records, mapping });
    return Promise.resolve((event) => handle(event));
  },
};
