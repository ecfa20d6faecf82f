import { performance } from 'node:perf_hooks';
import type { Logger } from '@mlc/log';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { compose, type Call, type Layer } from './call.js';
import { statusError } from './errors.js';
import { httpMetrics } from './metrics.js';
import { withRetry, type RetryOptions } from './retry.js';
import { createTransport } from './transport.js';
import type { BearerAuth, HttpClient, HttpRequestOptions, RateLimiter } from './types.js';

export interface HttpClientParams {
  /** Names the target in errors and logs, e.g. `coupa` or `ion:acme-prod`. */
  name: string;
  /** Origin plus an optional base path, e.g. `https://host/TENANT/M3/m3api-rest/v2`. */
  baseUrl: string;
  /** One per target (a Pool, a MockAgent, a simulator's pool); undici's global dispatcher otherwise. */
  dispatcher?: Dispatcher;
  /** Deadline for one attempt: connect, headers and body. Coupa documents 30 s. */
  timeoutMs?: number;
  /** Sent on every call (e.g. `accept`); a call's own headers win. */
  headers?: Record<string, string>;
  retry?: RetryOptions;
  limiter?: RateLimiter;
  auth?: BearerAuth;
  logger?: Logger;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

function withLimiter(limiter: RateLimiter, client: string): Layer {
  return (next) => async (call) => {
    const waitStart = performance.now();
    await limiter.take(call.signal);
    httpMetrics.limiterWait(client, (performance.now() - waitStart) / 1000);
    const exchange = await next(call);
    if (exchange.status === 429) limiter.onRateLimited?.();
    else if (exchange.status < 400) limiter.onSuccess?.();
    return exchange;
  };
}

// A call takes its limiter token only once a bearer token is at hand. Calls that queued behind a
// token fetch (the first call, an early refresh) would otherwise hold limiter tokens through the
// fetch and then all reach the vendor at once, above its burst. A cached token costs nothing here.
function withTokenReady(auth: BearerAuth): Layer {
  return (next) => async (call) => {
    await auth.getToken();
    return next(call);
  };
}

// Innermost: every attempt's status, the retried and refused ones included (429s, 5xx, 401s).
function withResponseMetrics(client: string): Layer {
  return (next) => async (call) => {
    const exchange = await next(call);
    httpMetrics.response(client, exchange.status);
    return exchange;
  };
}

// One refresh per call: a token refused right after a refresh means the credentials are wrong,
// and the 401 then surfaces as MLC_AUTH_FAILED.
function withBearer(auth: BearerAuth): Layer {
  return (next) => async (call) => {
    const send = async (token: string) => {
      call.state.secrets.add(token);
      return next({ ...call, headers: { ...call.headers, authorization: `Bearer ${token}` } });
    };
    const token = await auth.getToken();
    const exchange = await send(token);
    if (exchange.status !== 401) return exchange;
    auth.invalidate(token);
    return send(await auth.getToken());
  };
}

function splitBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  const url = new URL(baseUrl);
  if (url.search !== '' || url.hash !== '') throw new RangeError('baseUrl must not carry a query or fragment');
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

function targetOf(path: string, query: HttpRequestOptions['query']): string {
  const normalized = path.startsWith('/') ? path : `/${path}`;
  if (query === undefined) return normalized;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, String(value));
  const search = params.toString();
  if (search === '') return normalized;
  return `${normalized}${normalized.includes('?') ? '&' : '?'}${search}`;
}

function encodeBody(options: HttpRequestOptions): { body: string | Uint8Array | undefined; contentType?: string } {
  const given = [options.json, options.form, options.body].filter((v) => v !== undefined).length;
  if (given > 1) throw new TypeError('pass at most one of json, form, body');
  if (options.json !== undefined) return { body: JSON.stringify(options.json), contentType: 'application/json' };
  if (options.form !== undefined) return { body: new URLSearchParams(options.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  return { body: options.body };
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * The one HTTP client factory for vendor calls. Layers, outermost first: retry (backoff,
 * Retry-After) → rate limiter → bearer auth (one refresh on 401) → transport (deadline, error
 * classification). Statuses outside 2xx and `acceptStatuses` throw an MlcError whose context
 * names client, method, path (never the query), status and attempt.
 */
export function createHttpClient({
  name,
  baseUrl,
  dispatcher = getGlobalDispatcher(),
  timeoutMs = 30_000,
  headers = {},
  retry = {},
  limiter,
  auth,
  logger,
}: HttpClientParams): HttpClient {
  if (name.length === 0) throw new RangeError('name is required');
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  const log = logger?.child({ component: 'http', client: name });
  const layers: Layer[] = [withRetry(retry, log)];
  // The limiter sits outside the bearer layer: a call may queue behind the limiter for longer
  // than a token lives (ION at 100/min with a backlog), so the token is taken after the wait.
  if (limiter !== undefined) {
    if (auth !== undefined) layers.push(withTokenReady(auth));
    layers.push(withLimiter(limiter, name));
  }
  if (auth !== undefined) layers.push(withBearer(auth));
  layers.push(withResponseMetrics(name));
  const send = compose(createTransport({ dispatcher, ...splitBaseUrl(baseUrl), timeoutMs }), layers);
  const defaultHeaders = lowerCaseKeys(headers);

  return {
    async request(options) {
      const { body, contentType } = encodeBody(options);
      const call: Call = {
        client: name,
        method: options.method,
        path: options.path.split('?', 1)[0]!,
        target: targetOf(options.path, options.query),
        headers: { ...defaultHeaders, ...(contentType === undefined ? {} : { 'content-type': contentType }), ...lowerCaseKeys(options.headers) },
        body,
        idempotent: options.idempotent ?? IDEMPOTENT_METHODS.has(options.method),
        signal: options.signal,
        state: { attempt: 0, secrets: new Set() },
      };
      const exchange = await send(call);
      const ok = (exchange.status >= 200 && exchange.status < 300) || (options.acceptStatuses?.includes(exchange.status) ?? false);
      if (!ok) throw statusError(exchange, call);
      return { status: exchange.status, headers: exchange.headers, body: exchange.body };
    },
  };
}
