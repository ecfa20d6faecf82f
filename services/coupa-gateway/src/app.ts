import { randomBytes } from 'node:crypto';
import { Secret } from '@mlc/config';
import { DEFAULT_COUPA_MAPPING, type CoupaMapping } from '@mlc/coupa';
import { MlcError, toMlcError } from '@mlc/errors';
import { topicFor } from '@mlc/events';
import type { Logger } from '@mlc/log';
import { buildServer, type ReadinessResult, type ServiceServer } from '@mlc/service';
import type { TargetRecordStore } from '@mlc/writer';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { authenticateClient, bearerOf, issueToken, parseBasic, verifySignature, verifyToken, type OAuthClient } from './auth.js';
import { readLimitedBody } from './body.js';
import type { Publish } from './batching.js';
import { createCalloutHandler } from './callout.js';
import type { FetchOrderLines, OrderLineIndex } from './order-lines.js';
import { createGatewayMetrics } from './metrics.js';
import type { GatewayEntity } from './normalize.js';
import type { DeliveryLog, RejectionLog } from './stores.js';

/** One connection's call-out settings (`coupa.webhook` in the connections file) and mapping. */
export interface GatewayConnection {
  id: string;
  hmacSecret?: Secret | undefined;
  signatureHeader: string;
  oauthClients: readonly OAuthClient[];
  tokenTtlSeconds: number;
  maxBodyBytes: number;
  mapping: CoupaMapping;
}

export interface GatewayAppParams {
  /** The service shell's server to add the routes to; a new one (with `metrics` and `readiness`) otherwise. */
  server?: ServiceServer;
  logger: Logger;
  connections: ReadonlyMap<string, GatewayConnection>;
  /** Resolves once Kafka has acknowledged the event (acks=all); drops it when the signal aborts before it is sent (`createBatchingPublisher`). */
  publish: Publish;
  deliveries: DeliveryLog;
  rejections: RejectionLog;
  /** What coupa-writer last wrote to Coupa per record, to recognise echoes of our own writes. */
  targetRecords: Pick<TargetRecordStore, 'get'>;
  /**
   * Learns PO line numbers from PO call-outs and resolves the order-line ids of invoice lines
   * (`fetchOrderLines` asks Coupa for POs it has not seen). Without it, invoice lines carry a PO
   * line number only when Coupa sends `order-line-num`.
   */
  orderLines?: { index: OrderLineIndex; fetchOrderLines?: FetchOrderLines | undefined };
  /** Physical topic of an entity's events; default the logical `coupa.<entity>.v1`. */
  topicOf?: (entity: GatewayEntity) => string;
  clock?: () => Date;
  metrics?: Registry;
  readiness?: () => Promise<ReadinessResult>;
  /**
   * Longest wait for Kafka's ack before answering 503. The idempotent producer retries for as long
   * as Kafka is away, so without this a call-out would hang until Coupa's own 30 s timeout.
   */
  publishTimeoutMs?: number;
  /**
   * How long a claim on a Coupa event id holds before a later call-out with that id may take it
   * over (its holder died mid-publish). Default: three publish timeouts.
   */
  claimLeaseMs?: number;
}

const TOKEN_BODY_LIMIT = 8 * 1024;
// Every refused call-out gets this one challenge: a per-case one would tell a caller how a
// connection authenticates, or that it exists.
const CHALLENGE = 'Bearer realm="coupa-gateway"';

/**
 * Stands in for a connection id that is not configured: it goes through the same steps as a real
 * one (body read, HMAC computed, token and client checks) against random keys nobody holds, so an
 * unknown id is answered exactly as bad credentials are, in content and in time.
 */
function unknownConnection(): GatewayConnection {
  const key = () => new Secret(randomBytes(32).toString('hex'));
  return {
    id: 'unknown',
    hmacSecret: key(),
    signatureHeader: 'X-Coupa-Signature',
    oauthClients: [{ clientId: randomBytes(16).toString('hex'), clientSecret: key() }],
    tokenTtlSeconds: 3600,
    maxBodyBytes: 256 * 1024,
    mapping: DEFAULT_COUPA_MAPPING,
  };
}
// When Coupa should come back after Kafka or Postgres failed us; its own backoff applies anyway.
const RETRY_AFTER_SECONDS = '5';

interface WebhookRoute {
  Params: { connection: string };
  Body: Buffer;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The coupa-gateway HTTP app: the service shell (/healthz, /readyz, /metrics; on the internal
 * port when MLC_INTERNAL_PORT is set) plus
 * `POST /webhooks/coupa/:connection` (call-outs) and `POST /webhooks/coupa/:connection/oauth/token`
 * (Coupa's OAuth 2.0 call-out flow). A call-out is answered 2xx only once its event is on Kafka
 * (or was already), so anything else makes Coupa retry.
 */
export function buildGatewayApp(params: GatewayAppParams): ServiceServer {
  const { logger, connections, publish, deliveries, rejections, targetRecords, orderLines, clock = () => new Date(), metrics: registry = new Registry(), readiness, publishTimeoutMs = 10_000, claimLeaseMs = 3 * publishTimeoutMs } = params;
  const topicOf = params.topicOf ?? ((entity: GatewayEntity) => topicFor('coupa', entity));
  const server = params.server ?? buildServer({ logger, metrics: registry, ...(readiness ? { readiness } : {}) });
  const metrics = createGatewayMetrics(registry);
  const label = (id: string) => (connections.has(id) ? id : 'unknown');
  const unknown = unknownConnection();
  const connectionFor = (id: string): GatewayConnection => connections.get(id) ?? unknown;
  const handleCallout = createCalloutHandler({ publish, deliveries, rejections, targetRecords, orderLines, topicOf, clock, publishTimeoutMs, claimLeaseMs, metrics });

  function refuse(reply: FastifyReply, connection: string, reason: string): FastifyReply {
    const known = connections.has(connection);
    metrics.authFailure(label(connection), known ? reason : 'unknown-connection');
    metrics.request(label(connection), 'unauthorized');
    reply.log.warn({ connection, reason: known ? reason : `unknown-connection/${reason}` }, 'call-out refused: credentials');
    // The body may still be on its way; don't keep reading it for a caller we refuse.
    return reply.code(401).header('www-authenticate', CHALLENGE).header('connection', 'close').send({ error: 'unauthorized', message: 'missing or invalid credentials' });
  }

  void server.register(async (app) => {
    // Our own body reader for every content type: the raw bytes are what the HMAC covers, and the
    // size cap must hold while the body streams in, per connection.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => {
      const isToken = request.url.endsWith('/oauth/token');
      const connection = connectionFor((request.params as { connection?: string }).connection ?? '');
      const limit = isToken ? TOKEN_BODY_LIMIT : connection.maxBodyBytes;
      readLimitedBody(payload, limit, header(request, 'content-length')).then(
        (body) => done(null, body),
        (error: unknown) => done(error as Error),
      );
    });

    app.setErrorHandler((error, request, reply) => {
      const connection = (request.params as { connection?: string }).connection ?? '';
      if (error instanceof MlcError && error.code === 'MLC_PAYLOAD_TOO_LARGE') {
        metrics.request(label(connection), 'too-large');
        request.log.warn({ connection, ...error.context }, 'call-out refused: body too large');
        // Close rather than drain: the rest of an oversize upload is never read.
        return reply.code(413).header('connection', 'close').send({ error: 'payload-too-large', message: error.message });
      }
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        metrics.request(label(connection), 'bad-request');
        return reply.code(status).send({ error: 'bad-request', message: (error as Error).message });
      }
      const wrapped = toMlcError(error, { connection });
      request.log.error({ err: wrapped }, 'call-out failed');
      metrics.request(label(connection), wrapped.retriable ? 'unavailable' : 'error');
      if (wrapped.retriable) return reply.code(503).header('retry-after', RETRY_AFTER_SECONDS).send({ error: 'unavailable', message: 'try again later' });
      return reply.code(500).send({ error: 'internal', message: 'internal error' });
    });

    app.post<WebhookRoute>(
      '/webhooks/coupa/:connection/oauth/token',
      // An unknown connection, or one without call-out clients, is a client that does not authenticate (401 invalid_client).
      async (request, reply) => {
        const connection = connectionFor(request.params.connection);
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        const form = new URLSearchParams(request.body.toString('utf8'));
        const basic = parseBasic(header(request, 'authorization'));
        const credentials = basic ?? (form.has('client_id') ? { clientId: form.get('client_id')!, clientSecret: form.get('client_secret') ?? '' } : undefined);
        const client = credentials && authenticateClient(connection.oauthClients, credentials.clientId, credentials.clientSecret);
        if (!client) {
          metrics.authFailure(label(request.params.connection), credentials ? 'bad-client-credentials' : 'no-client-credentials');
          metrics.request(label(request.params.connection), 'token-refused');
          reply.log.warn({ connection: request.params.connection }, 'token refused: client credentials');
          return reply.code(401).header('www-authenticate', 'Basic realm="coupa-gateway"').send({ error: 'invalid_client' });
        }
        const grant = form.get('grant_type');
        if (grant === null) return reply.code(400).send({ error: 'invalid_request', error_description: 'grant_type is required' });
        if (grant !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
        const exp = Math.floor(clock().getTime() / 1000) + connection.tokenTtlSeconds;
        metrics.request(connection.id, 'token-issued');
        return reply.send({
          access_token: issueToken({ connection: connection.id, clientId: client.clientId, exp }, client),
          token_type: 'bearer',
          expires_in: connection.tokenTtlSeconds,
        });
      },
    );

    app.post<WebhookRoute>(
      '/webhooks/coupa/:connection',
      {
        // Everything that can be decided from the headers is decided before the body is read.
        onRequest: async (request, reply) => {
          const id = request.params.connection;
          const connection = connectionFor(id);
          const bearer = bearerOf(header(request, 'authorization'));
          if (bearer !== undefined) {
            if (connection.oauthClients.length === 0) return refuse(reply, id, 'oauth-not-configured');
            const check = verifyToken(bearer, id, connection.oauthClients, Math.floor(clock().getTime() / 1000));
            if (!check.ok) return refuse(reply, id, `token-${check.reason}`);
            return undefined;
          }
          if (connection.hmacSecret === undefined) return refuse(reply, id, 'no-credentials');
          if (header(request, connection.signatureHeader) === undefined) return refuse(reply, id, 'no-signature');
          return undefined;
        },
      },
      async (request, reply) => {
        const started = process.hrtime.bigint();
        const connection = connectionFor(request.params.connection);
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const authorizedByToken = bearerOf(header(request, 'authorization')) !== undefined;
        if (!authorizedByToken && !verifySignature(connection.hmacSecret!, body, header(request, connection.signatureHeader))) {
          return refuse(reply, request.params.connection, 'bad-signature');
        }
        // Unreachable for the stand-in (nobody holds its keys); kept so no path can publish for it.
        if (connection === unknown) return refuse(reply, request.params.connection, 'unknown-connection');

        // The caller gone (Coupa's own timeout, a closed connection) before we answered: its event
        // is dropped if it still waits for Kafka.
        const callerGone = new AbortController();
        const onClose = () => {
          if (!reply.raw.writableFinished) callerGone.abort();
        };
        reply.raw.once('close', onClose);
        const result = await handleCallout({
          signal: callerGone.signal,
          connection,
          coupaEventId: header(request, 'x-coupa-event-id')?.trim() || undefined,
          eventType: header(request, 'x-coupa-event-type')?.trim() || undefined,
          body,
          log: request.log,
          started,
        });
        return reply.code(result.status).headers(result.headers ?? {}).send(result.body);
      },
    );
  });
  return server;
}
