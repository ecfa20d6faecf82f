import { Agent as HttpsAgent } from 'node:https';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { registrySecurity, type RegistrySecurity } from '@mlc/config';
import { MlcError, type ErrorCode } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import type { CanonicalEvent } from './envelope.js';
import { jsonSchemaTextForTopic } from './json-schema.js';
import type { Outcome } from './outcome.js';
import { OUTCOMES_TOPIC } from './outcome.js';
import { parseTopic, serializeForTopic, validateForTopic } from './topics.js';
import { decodeWire, encodeWire } from './wire-format.js';

export interface TopicCodec {
  /**
   * Validates with zod, registers (once, cached) the topic's JSON Schema under subject
   * `<topic>-value` with BACKWARD compatibility, and returns Confluent wire format
   * (magic byte 0 + 4-byte schema id + JSON).
   */
  encode(topic: string, value: unknown): Promise<Buffer>;
  /**
   * Reads the wire format, fetches the schema by id (cached), parses JSON, validates with the
   * topic's zod schema. Throws MLC_DECODE_FAILED (wrong magic byte, unknown schema id, invalid
   * JSON, too short, null) or MLC_EVENT_INVALID (schema mismatch; names the field paths);
   * registry outages give MLC_REGISTRY_UNAVAILABLE (retriable).
   */
  decode(topic: string, value: Buffer | null): Promise<unknown>;
  /**
   * `encode` without a promise, when it needs no registry call (the topic's schema id is known);
   * `undefined` when it would. Same validation and errors. Optional: the consumer runtime uses it
   * per outcome, and falls back to `encode` without it.
   */
  encodeNow?(topic: string, value: unknown): Buffer | undefined;
  /** `decode` without a promise, when the value's schema id is known; `undefined` when it is not. Same errors. */
  decodeNow?(topic: string, value: Buffer | null): unknown;
}

export interface RegistryCodecParams {
  /** Root of the Confluent-compatible API, e.g. `http://127.0.0.1:8081/apis/ccompat/v7` for Apicurio. */
  registryUrl?: string;
  /**
   * A client to share instead of `registryUrl`. Build it with `createSchemaRegistryClient` so
   * that timeouts apply and outages are told apart from rejections.
   */
  registry?: RegistryClient;
  logger?: Logger;
  /**
   * Maps the topic a message is on to the logical topic whose schema applies, for deployments or
   * tests whose physical topic names carry a prefix or suffix (`syspro.suppliers.v1-3f9a...`).
   * The subject stays `<physical topic>-value`. Default: the topic itself.
   */
  logicalTopic?: (topic: string) => string;
}

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/** A registry client that also knows its URL and timeout, for the calls the client lacks. */
export type RegistryClient = SchemaRegistry & {
  readonly url: string;
  readonly requestTimeoutMs: number;
  /** A request to `url` + `path` with the client's credentials, CA and timeout. */
  fetch(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
};

export interface SchemaRegistryClientParams {
  url: string;
  requestTimeoutMs?: number;
  /** Basic auth and a private CA; build it with `registrySecurity(env)` from @mlc/config. */
  security?: RegistrySecurity;
}

/**
 * A registry client with a per-request timeout: without one, mappersmith waits on a hung registry
 * forever and the partition behind it stalls with no error to retry on. The basic-auth password is
 * read for every request (a rotated password file applies at once) and never stored in the client.
 */
export function createSchemaRegistryClient({ url, requestTimeoutMs = 10_000, security = {} }: SchemaRegistryClientParams): RegistryClient {
  const { auth, ca } = security;
  const authorization = (): Record<string, string> => (auth === undefined ? {} : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password().reveal()}`).toString('base64')}` });
  const timeout: RegistryMiddleware = () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ timeout: requestTimeoutMs, headers: authorization() })),
  });
  // The client (mappersmith) takes a Node agent; our own calls go through undici, which takes a dispatcher.
  const agent = ca === undefined ? undefined : new HttpsAgent({ ca, keepAlive: true });
  const dispatcher = ca === undefined ? undefined : new UndiciAgent({ connect: { ca } });
  const client = new SchemaRegistry({ host: url, clientId: 'ml-connector', middlewares: [timeout], ...(agent === undefined ? {} : { agent }) });
  return Object.assign(client, {
    url,
    requestTimeoutMs,
    fetch: async (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> =>
      (await undiciFetch(`${url}${path}`, {
        ...init,
        headers: { ...init.headers, ...authorization() },
        signal: AbortSignal.timeout(requestTimeoutMs),
        ...(dispatcher === undefined ? {} : { dispatcher }),
      })) as unknown as Response,
  });
}

/** The registry client of a process, from its settings (URL, basic auth, CA). */
export function schemaRegistryClientFromEnv(env: { SCHEMA_REGISTRY_URL: string } & Parameters<typeof registrySecurity>[0]): RegistryClient {
  return createSchemaRegistryClient({ url: env.SCHEMA_REGISTRY_URL, security: registrySecurity(env) });
}

/**
 * The client registers a new subject's first schema and sets the subject's compatibility in two
 * calls. A process killed between them, or a second process registering the same subject at that
 * moment, finds the subject without a level, which the registry reports as NONE, and the client
 * then refuses every later registration. We never set NONE, so NONE here means "never set": set
 * BACKWARD. Whether the subject is BACKWARD now: also when the other process set it between the
 * client's read of the level and ours, or while we set it (lost races, not a misconfiguration).
 */
async function ensureBackward(client: RegistryClient, subject: string): Promise<boolean> {
  const path = `/config/${encodeURIComponent(subject)}`;
  const levelNow = async (): Promise<string | undefined> => {
    const current = await client.fetch(path);
    if (!current.ok) return undefined;
    return ((await current.json()) as { compatibilityLevel?: string }).compatibilityLevel?.toUpperCase();
  };
  const level = await levelNow();
  if (level === COMPATIBILITY.BACKWARD) return true;
  if (level !== 'NONE') return false;
  const updated = await client.fetch(path, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: COMPATIBILITY.BACKWARD }),
  });
  if (updated.ok) return true;
  // Apicurio creates the level's rule on the first PUT and answers a PUT racing it 409 ("A rule
  // named 'COMPATIBILITY' already exists"): the other process set it, so read what it set.
  await updated.body?.cancel();
  return (await levelNow()) === COMPATIBILITY.BACKWARD;
}

/**
 * Whether a registration failed because another process created the subject at the same moment:
 * Apicurio answers the loser of two first registrations 409 ("An artifact with ID … already
 * exists"), the status a schema incompatible with the subject's versions also gets. Registering
 * again tells them apart: the subject is there now, so an identical schema gets its id, and an
 * incompatible one is refused again.
 */
function conflicted(error: unknown): boolean {
  return (error as { status?: unknown } | null)?.status === 409;
}

export function createRegistryCodec({ registryUrl, registry, logger, logicalTopic = (topic) => topic }: RegistryCodecParams): TopicCodec {
  if ((registryUrl === undefined) === (registry === undefined)) {
    throw new MlcError('MLC_CONFIG_INVALID', 'createRegistryCodec needs exactly one of registryUrl or registry');
  }
  const client = registry ?? createSchemaRegistryClient({ url: registryUrl! });
  const log = logger?.child({ component: 'registry-codec' });
  // Promises, so concurrent first calls share one registry round trip; failures are evicted so
  // the next call tries again.
  const idsByTopic = new Map<string, Promise<number>>();
  const knownSchemaIds = new Map<number, Promise<void>>();
  // What those promises resolved to, for `encodeNow` and `decodeNow` (only successes, never evicted).
  const readyIds = new Map<string, number>();
  const readySchemaIds = new Set<number>();

  function cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = load();
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  }

  function schemaIdFor(topic: string): Promise<number> {
    return cached(idsByTopic, topic, async () => {
      const subject = `${topic}-value`;
      const register = () =>
        client.register({ type: SchemaType.JSON, schema: jsonSchemaTextForTopic(logicalTopic(topic)) }, { subject, compatibility: COMPATIBILITY.BACKWARD });
      // A subject left without a level (see ensureBackward) is repaired and registered again.
      const registerRepairing = async (): Promise<number> => {
        try {
          return (await register()).id;
        } catch (error) {
          if (!(error instanceof Error && error.name === 'ConfluentSchemaRegistryCompatibilityError' && (await ensureBackward(client, subject)))) throw error;
          log?.warn({ topic, subject }, 'subject had no compatibility level (a first registration was cut short or is under way in another process); made sure it is BACKWARD');
          return (await register()).id;
        }
      };
      try {
        let id: number;
        try {
          id = await registerRepairing();
        } catch (error) {
          // Every writer registers the outcomes subject on its first outcome: two at once is common.
          if (!conflicted(error)) throw error;
          log?.info({ topic, subject }, 'another process registered the subject at the same moment; registering again');
          id = await registerRepairing();
        }
        log?.info({ topic, subject, schemaId: id }, 'schema registered');
        readyIds.set(topic, id);
        return id;
      } catch (error) {
        throw registryError(error, 'register', { topic, subject });
      }
    });
  }

  function ensureSchema(schemaId: number, topic: string): Promise<void> {
    return cached(knownSchemaIds, schemaId, async () => {
      try {
        await client.getSchema(schemaId);
        readySchemaIds.add(schemaId);
        log?.debug({ topic, schemaId }, 'schema fetched');
      } catch (error) {
        throw registryError(error, 'fetch schema', { topic, schemaId }, 'MLC_DECODE_FAILED');
      }
    });
  }

  /** The value a wire-format payload carries, once its schema id is known. */
  function parsePayload(topic: string, schemaTopic: string, schemaId: number, payload: Buffer): unknown {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (error) {
      throw new MlcError('MLC_DECODE_FAILED', `value on ${topic} (schema ${schemaId}) is not valid JSON`, {
        cause: error,
        context: { topic, schemaId },
      });
    }
    try {
      return validateForTopic(schemaTopic, json);
    } catch (error) {
      if (error instanceof MlcError) {
        throw new MlcError(error.code, error.message, { cause: error.cause, context: { ...error.context, schemaId } });
      }
      throw error;
    }
  }

  function unwrap(topic: string, value: Buffer | null): { schemaTopic: string; schemaId: number; payload: Buffer } {
    const schemaTopic = logicalTopic(topic);
    parseTopic(schemaTopic);
    const { schemaId, payload } = decodeWire(value, { topic });
    return { schemaTopic, schemaId, payload };
  }

  return {
    async encode(topic, value) {
      const json = serializeForTopic(logicalTopic(topic), value);
      const schemaId = await schemaIdFor(topic);
      return encodeWire(schemaId, json);
    },

    encodeNow(topic, value) {
      const schemaId = readyIds.get(topic);
      return schemaId === undefined ? undefined : encodeWire(schemaId, serializeForTopic(logicalTopic(topic), value));
    },

    async decode(topic, value) {
      const { schemaTopic, schemaId, payload } = unwrap(topic, value);
      await ensureSchema(schemaId, topic);
      return parsePayload(topic, schemaTopic, schemaId, payload);
    },

    decodeNow(topic, value) {
      const { schemaTopic, schemaId, payload } = unwrap(topic, value);
      return readySchemaIds.has(schemaId) ? parsePayload(topic, schemaTopic, schemaId, payload) : undefined;
    },
  };
}

/**
 * `decode` for an entity topic, typed. `decode` has validated the value with the topic's schema;
 * this only makes sure that schema was an entity envelope and not the outcome schema.
 */
export async function decodeEvent(codec: TopicCodec, topic: string, value: Buffer | null): Promise<CanonicalEvent> {
  const decoded = await codec.decode(topic, value);
  if (typeof (decoded as { contentHash?: unknown }).contentHash !== 'string') throw notCarrying(topic, 'canonical events');
  return decoded as CanonicalEvent;
}

/** `decode` for the outcomes topic, typed; see `decodeEvent`. */
export async function decodeOutcome(codec: TopicCodec, value: Buffer | null, topic: string = OUTCOMES_TOPIC): Promise<Outcome> {
  const decoded = await codec.decode(topic, value);
  if (typeof (decoded as { eventId?: unknown }).eventId !== 'string') throw notCarrying(topic, 'outcomes');
  return decoded as Outcome;
}

function notCarrying(topic: string, what: string): MlcError {
  return new MlcError('MLC_CONFIG_INVALID', `topic ${JSON.stringify(topic)} does not carry ${what}`, { context: { topic } });
}

// mappersmith reports a failure without an HTTP response (refused connection, reset, DNS, its own
// timeout) as a response with status 400 and the socket error's message as body, and the registry
// library keeps only status and message. These are the messages such failures carry.
const TRANSPORT_FAILURE = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|socket hang up)\b|Timeout \(\d+ms\)/;

function registryError(error: unknown, call: string, context: Record<string, unknown>, notFound: ErrorCode = 'MLC_INTERNAL'): MlcError {
  if (error instanceof MlcError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const status = typeof (error as { status?: unknown } | null)?.status === 'number' ? (error as { status: number }).status : undefined;
  const name = error instanceof Error ? error.name : '';
  const withStatus = { ...context, call, ...(status === undefined ? {} : { status }) };
  const fail = (code: ErrorCode, what: string) =>
    new MlcError(code, `schema registry ${call} for ${describe(context)}: ${what}`, { cause: error, context: withStatus });

  if (name === 'ConfluentSchemaRegistryCompatibilityError') return fail('MLC_CONFIG_INVALID', message);
  if (TRANSPORT_FAILURE.test(message) || status === 408 || status === 429 || (status !== undefined && status >= 500)) {
    return fail('MLC_REGISTRY_UNAVAILABLE', message);
  }
  if (status === 404) return fail(notFound, 'not found');
  if (status === 409) return fail('MLC_SCHEMA_INCOMPATIBLE', 'the schema is incompatible with the versions registered under the subject');
  if (status === 401 || status === 403) return fail('MLC_AUTH_FAILED', `status ${status}`);
  // A schema that exists but that the library cannot load is as unreadable as an unknown one.
  if (status === undefined && notFound === 'MLC_DECODE_FAILED') return fail('MLC_DECODE_FAILED', message);
  return fail('MLC_INTERNAL', message);
}

function describe(context: Record<string, unknown>): string {
  return Object.entries(context)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}
