import { connectionById, type ConnectionsFile, type CoupaConnection } from '@mlc/config';
import { MlcError } from '@mlc/errors';
import { CoupaMapping } from '@mlc/coupa';
import { ServiceEnv } from '@mlc/service';
import { z } from 'zod';
import type { GatewayConnection } from './app.js';

/** The gateway's environment: the service settings plus retention of what it remembers. */
export const GatewayEnv = ServiceEnv.extend({
  DEDUP_RETENTION_HOURS: z.coerce
    .number()
    .positive()
    .default(7 * 24)
    .describe('how long handled Coupa event ids are remembered; must outlast Coupa retries and redeliveries'),
  REJECTION_RETENTION_DAYS: z.coerce.number().positive().default(90).describe('how long refused call-outs are kept for audit'),
  COUPA_POLL_CONNECTIONS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean))
    .describe('comma-separated connections whose Coupa is polled for unexported POs and invoices (customers without call-outs)'),
  COUPA_POLL_INTERVAL_SECONDS: z.coerce.number().positive().default(300).describe('how often those connections are polled'),
  EXPIRY_INTERVAL_SECONDS: z.coerce.number().positive().default(3600).describe('how often expired rows are deleted'),
});
export type GatewayEnv = z.output<typeof GatewayEnv>;

/** The connections that receive Coupa call-outs (those with `coupa.webhook`), by id. */
export function gatewayConnections(file: ConnectionsFile): Map<string, GatewayConnection> {
  const result = new Map<string, GatewayConnection>();
  for (const connection of file.connections) {
    const webhook = connection.coupa?.webhook;
    if (webhook === undefined) continue;
    result.set(connection.id, {
      id: connection.id,
      hmacSecret: webhook.hmacSecret,
      signatureHeader: webhook.signatureHeader,
      oauthClients: webhook.oauthClients,
      tokenTtlSeconds: webhook.tokenTtlSeconds,
      maxBodyBytes: webhook.maxBodyBytes,
      mapping: CoupaMapping.parse(connection.mappings.coupa),
    });
  }
  return result;
}

/** A connection to poll: its id, Coupa section and mapping. Throws MLC_CONFIG_INVALID naming the connection. */
export function pollConnection(file: ConnectionsFile, id: string): { id: string; coupa: CoupaConnection; mapping: CoupaMapping } {
  const connection = connectionById(file, id);
  if (connection.coupa === undefined) {
    throw new MlcError('MLC_CONFIG_INVALID', `connection "${id}" in COUPA_POLL_CONNECTIONS has no coupa section`, { context: { connection: id } });
  }
  return { id, coupa: connection.coupa, mapping: CoupaMapping.parse(connection.mappings.coupa) };
}
