import { InfraEnv, type ConnectionsFile } from '@mlc/config';
import { CoupaMapping } from '@mlc/coupa';
import { z } from 'zod';
import type { GatewayConnection } from './app.js';

/** The gateway's environment: the infra settings plus retention of what it remembers. */
export const GatewayEnv = InfraEnv.extend({
  DEDUP_RETENTION_HOURS: z.coerce
    .number()
    .positive()
    .default(7 * 24)
    .describe('how long handled Coupa event ids are remembered; must outlast Coupa retries and redeliveries'),
  REJECTION_RETENTION_DAYS: z.coerce.number().positive().default(90).describe('how long refused call-outs are kept for audit'),
  MLC_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(6).describe('partitions of the coupa.* topics when the gateway creates them'),
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
