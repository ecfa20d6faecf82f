import { selectConnections, type Connection, type ConnectionsFile, type WithSection } from '@mlc/config';
import type { CoupaMapping } from '@mlc/coupa';
import { RecordLimitEnv } from '@mlc/kafka';
import { ServiceEnv } from '@mlc/service';
import { z } from 'zod';
import type { GatewayConnection } from './app.js';

/** The gateway's environment: the service settings plus retention of what it remembers. */
export const GatewayEnv = ServiceEnv.extend({
  ...RecordLimitEnv.shape,
  DEDUP_RETENTION_HOURS: z.coerce
    .number()
    .positive()
    .default(7 * 24)
    .describe('how long handled Coupa event ids are remembered; must outlast Coupa retries and redeliveries'),
  REJECTION_RETENTION_DAYS: z.coerce.number().positive().default(90).describe('how long refused call-outs are kept for audit'),
  ORDER_LINE_RETENTION_DAYS: z.coerce
    .number()
    .positive()
    .default(90)
    .describe('how long learned PO lines are remembered; an invoice naming an older one has it looked up in Coupa'),
  // Replaced: a stale setting would silently stop the polling it used to turn on.
  COUPA_POLL_CONNECTIONS: z
    .never({ error: 'replaced by `coupa.poll` in the connections file (and MLC_CONNECTIONS to pick connections)' })
    .optional(),
  COUPA_POLL_INTERVAL_SECONDS: z.never({ error: 'replaced by `coupa.poll.intervalSeconds` in the connections file' }).optional(),
  EXPIRY_INTERVAL_SECONDS: z.coerce.number().positive().default(3600).describe('how often expired rows are deleted'),
  PUBLISH_QUEUE_MAX_EVENTS: z.coerce
    .number()
    .int()
    .positive()
    .default(1000)
    .describe('most call-outs waiting for Kafka at once; more are answered 503 with Retry-After'),
  PUBLISH_QUEUE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .default(64 * 1024 * 1024)
    .describe('most bytes (call-out bodies and their events) waiting for Kafka at once; more are answered 503 with Retry-After'),
  PUBLISH_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('longest a call-out waits for Kafka before it is answered 503 and its event, if not yet sent, dropped'),
});
export type GatewayEnv = z.output<typeof GatewayEnv>;

type GatewayMappings = { coupa: typeof CoupaMapping };
export type GatewayFile = ConnectionsFile<GatewayMappings>;
/** A connection the gateway serves: its Coupa section and mapping, parsed. */
export type ServedConnection = WithSection<Connection<GatewayMappings>, 'coupa'>;

/**
 * The connections this gateway serves: those MLC_CONNECTIONS names, or every one with Coupa
 * call-outs (`coupa.webhook`) or polling (`coupa.poll`) set up.
 */
export function servedConnections(file: GatewayFile, wanted: readonly string[] | undefined): ServedConnection[] {
  return selectConnections(file, {
    wanted,
    section: 'coupa',
    serves: (connection) => connection.coupa.webhook !== undefined || connection.coupa.poll !== undefined,
    service: 'coupa-gateway',
  });
}

/** The served connections that receive Coupa call-outs (those with `coupa.webhook`), by id. */
export function gatewayConnections(connections: readonly ServedConnection[]): Map<string, GatewayConnection> {
  const result = new Map<string, GatewayConnection>();
  for (const connection of connections) {
    const webhook = connection.coupa.webhook;
    if (webhook === undefined) continue;
    result.set(connection.id, {
      id: connection.id,
      hmacSecret: webhook.hmacSecret,
      signatureHeader: webhook.signatureHeader,
      oauthClients: webhook.oauthClients,
      tokenTtlSeconds: webhook.tokenTtlSeconds,
      maxBodyBytes: webhook.maxBodyBytes,
      mapping: connection.mappings.coupa,
    });
  }
  return result;
}
