import { createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { backoffDelay } from '@mlc/errors';

/**
 * Outbound call-outs (webhooks). Coupa documents OAuth 2.0 client credentials (and basic auth) on
 * the receiving endpoint; an HMAC scheme is not documented, so the sandbox offers one as an
 * explicit, separately documented option (see docs/coupa.md, "Call-outs").
 */
export const EVENT_TYPES = ['supplier.created', 'supplier.updated', 'purchase_order.issued', 'invoice.created'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const CalloutAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('hmac'), secret: z.string().min(1), header: z.string().min(1).default('X-Coupa-Signature') }),
  z.object({
    type: z.literal('oauth2'),
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    scope: z.string().optional(),
  }),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
]);
export type CalloutAuth = z.infer<typeof CalloutAuth>;

export const CalloutEndpoint = z.object({
  url: z.url(),
  /** Event types to send; ['*'] = all. */
  events: z.array(z.enum([...EVENT_TYPES, '*'])).min(1).default(['*']),
  auth: CalloutAuth.default({ type: 'none' }),
});
export type CalloutEndpointInput = z.input<typeof CalloutEndpoint>;

export const CalloutFault = z.object({
  kind: z.enum(['duplicate', 'oversize', 'bad-signature']),
  /** How many upcoming events get the fault. */
  times: z.number().int().positive().default(1),
});

export const RetryPolicy = z.object({
  maxAttempts: z.number().int().positive().default(5),
  baseDelayMs: z.number().int().nonnegative().default(500),
  maxDelayMs: z.number().int().nonnegative().default(30_000),
  timeoutMs: z.number().int().positive().default(30_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** Coupa's payload size limit for call-outs is not documented; 256 KiB is the threshold we test receivers against. */
export const OVERSIZE_BYTES = 256 * 1024;

type Variant = 'normal' | 'duplicate' | 'oversize' | 'bad-signature' | 'redelivery';

export interface Delivery {
  id: number;
  eventId: string;
  eventType: EventType;
  endpointId: number;
  url: string;
  variant: Variant;
  status: 'held' | 'pending' | 'delivered' | 'failed';
  bytes?: number;
  attempts: Array<{ at: string; status?: number; error?: string }>;
}

interface Endpoint {
  id: number;
  url: string;
  events: string[];
  auth: CalloutAuth;
  chain: Promise<void>;
  token?: { value: string; expiresAt: number };
}

interface Event {
  id: string;
  type: EventType;
  resource: unknown;
}

const redact = (auth: CalloutAuth) => {
  switch (auth.type) {
    case 'hmac':
      return { type: auth.type, header: auth.header };
    case 'oauth2':
      return { type: auth.type, tokenUrl: auth.tokenUrl, clientId: auth.clientId, ...(auth.scope ? { scope: auth.scope } : {}) };
    case 'basic':
      return { type: auth.type, username: auth.username };
    case 'none':
      return auth;
    default: {
      const unreachable: never = auth;
      return unreachable;
    }
  }
};

export const sign = (secret: string, body: string): string => createHmac('sha256', secret).update(body).digest('hex');

export function createCallouts({ retry, now = Date.now }: { retry: RetryPolicy; now?: () => number }) {
  const endpoints = new Map<number, Endpoint>();
  const events = new Map<string, Event>();
  const deliveries: Delivery[] = [];
  const held: Delivery[] = [];
  const faults: Array<{ kind: z.infer<typeof CalloutFault>['kind']; left: number }> = [];
  const stop = new AbortController();
  let holding = false;
  let endpointSeq = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  async function tokenFor(endpoint: Endpoint, auth: Extract<CalloutAuth, { type: 'oauth2' }>): Promise<string> {
    if (endpoint.token && endpoint.token.expiresAt > now()) return endpoint.token.value;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    const res = await fetch(auth.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(retry.timeoutMs)]),
    });
    if (!res.ok) throw new Error(`token endpoint answered HTTP ${res.status}`);
    const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('token endpoint answered without access_token');
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    endpoint.token = { value: body.access_token, expiresAt: now() + ttl * 1000 };
    return body.access_token;
  }

  async function attempt(delivery: Delivery, endpoint: Endpoint, event: Event): Promise<number> {
    const resource =
      delivery.variant === 'oversize' ? { ...(event.resource as object), 'sandbox-padding': 'x'.repeat(OVERSIZE_BYTES + 1024) } : event.resource;
    const body = JSON.stringify(resource);
    delivery.bytes = Buffer.byteLength(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'coupa-sandbox-callouts/1',
      'x-coupa-event-id': event.id,
      'x-coupa-event-type': event.type,
      'x-coupa-delivery-id': String(delivery.id),
      'x-coupa-delivery-attempt': String(delivery.attempts.length),
    };
    const bad = delivery.variant === 'bad-signature';
    const auth = endpoint.auth;
    switch (auth.type) {
      case 'hmac':
        headers[auth.header.toLowerCase()] = sign(bad ? `${auth.secret}-wrong` : auth.secret, body);
        break;
      case 'oauth2':
        headers.authorization = `Bearer ${bad ? 'sandbox-invalid-token' : await tokenFor(endpoint, auth)}`;
        break;
      case 'basic':
        headers.authorization = `Basic ${Buffer.from(`${auth.username}:${bad ? `${auth.password}-wrong` : auth.password}`).toString('base64')}`;
        break;
      case 'none':
        break;
    }
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(retry.timeoutMs)]),
    });
    await res.arrayBuffer().catch(() => undefined);
    // A 401 may mean our cached token was revoked by the receiver: fetch a fresh one next attempt.
    if (res.status === 401 && auth.type === 'oauth2') delete endpoint.token;
    return res.status;
  }

  async function run(delivery: Delivery): Promise<void> {
    const endpoint = endpoints.get(delivery.endpointId);
    const event = events.get(delivery.eventId);
    if (!endpoint || !event) {
      delivery.status = 'failed';
      return;
    }
    delivery.status = 'pending';
    while (!stop.signal.aborted) {
      const entry: Delivery['attempts'][number] = { at: new Date(now()).toISOString() };
      delivery.attempts.push(entry);
      try {
        entry.status = await attempt(delivery, endpoint, event);
      } catch (error) {
        entry.error = error instanceof Error ? error.message : String(error);
      }
      if (entry.status !== undefined && entry.status >= 200 && entry.status < 300) {
        delivery.status = 'delivered';
        return;
      }
      // Deliberately faulty variants are sent once: their point is how the receiver refuses them.
      if (delivery.variant === 'bad-signature' || delivery.variant === 'oversize' || delivery.attempts.length >= retry.maxAttempts) break;
      await sleep(backoffDelay(delivery.attempts.length, { initialMs: retry.baseDelayMs, maxMs: retry.maxDelayMs, jitter: 'none' }));
    }
    delivery.status = 'failed';
  }

  function enqueue(delivery: Delivery) {
    const endpoint = endpoints.get(delivery.endpointId);
    if (!endpoint) return;
    delivery.status = 'pending';
    // One queue per endpoint keeps events in order (retries included) unless a reorder is asked for.
    endpoint.chain = endpoint.chain.then(() => run(delivery)).catch(() => undefined);
  }

  function schedule(event: Event, endpoint: Endpoint, variant: Variant) {
    const delivery: Delivery = {
      id: deliveries.length + 1,
      eventId: event.id,
      eventType: event.type,
      endpointId: endpoint.id,
      url: endpoint.url,
      variant,
      status: holding ? 'held' : 'pending',
      attempts: [],
    };
    deliveries.push(delivery);
    if (holding) held.push(delivery);
    else enqueue(delivery);
    return delivery;
  }

  function takeFault(): Variant {
    const fault = faults[0];
    if (!fault) return 'normal';
    fault.left -= 1;
    if (fault.left <= 0) faults.shift();
    return fault.kind;
  }

  return {
    addEndpoint(input: CalloutEndpointInput) {
      const parsed = CalloutEndpoint.parse(input);
      const endpoint: Endpoint = { id: ++endpointSeq, ...parsed, chain: Promise.resolve() };
      endpoints.set(endpoint.id, endpoint);
      return { id: endpoint.id, url: endpoint.url, events: endpoint.events, auth: redact(endpoint.auth) };
    },
    endpoints: () => [...endpoints.values()].map((e) => ({ id: e.id, url: e.url, events: e.events, auth: redact(e.auth) })),
    removeEndpoint: (id: number) => endpoints.delete(id),
    /** Sends `resource` (the REST JSON of the record) to every endpoint subscribed to `type`. */
    emit(type: EventType, resource: unknown): string {
      const event: Event = { id: randomUUID(), type, resource };
      const subscribed = [...endpoints.values()].some((e) => e.events.includes('*') || e.events.includes(type));
      // Kept for redeliveries only when delivered somewhere: a backfill without endpoints holds no copy of each record.
      if (subscribed) events.set(event.id, event);
      const variant = subscribed ? takeFault() : 'normal';
      for (const endpoint of endpoints.values()) {
        if (!endpoint.events.includes('*') && !endpoint.events.includes(type)) continue;
        if (variant === 'duplicate') {
          schedule(event, endpoint, 'normal');
          schedule(event, endpoint, 'duplicate');
        } else schedule(event, endpoint, variant);
      }
      return event.id;
    },
    deliveries: (): readonly Delivery[] => deliveries,
    /** Sends an earlier delivery's event again, same event id (what an at-least-once sender does). */
    redeliver(deliveryId: number): Delivery | undefined {
      const original = deliveries[deliveryId - 1];
      const event = original && events.get(original.eventId);
      const endpoint = original && endpoints.get(original.endpointId);
      return event && endpoint ? schedule(event, endpoint, 'redelivery') : undefined;
    },
    addFault(input: z.input<typeof CalloutFault>) {
      const fault = CalloutFault.parse(input);
      faults.push({ kind: fault.kind, left: fault.times });
      return fault;
    },
    hold() {
      holding = true;
    },
    /** Stops holding and sends what was held, in the given order. */
    release(order: 'fifo' | 'reverse'): number {
      holding = false;
      const batch = held.splice(0);
      if (order === 'reverse') batch.reverse();
      for (const d of batch) enqueue(d);
      return batch.length;
    },
    async close() {
      stop.abort();
      await Promise.all([...endpoints.values()].map((e) => e.chain));
    },
  };
}
export type Callouts = ReturnType<typeof createCallouts>;
