import type { Secret } from '@mlc/config';
import { MlcError, isMlcError } from '@mlc/errors';
import { createHttpClient, createTokenBucket, createTokenProvider, fetchOAuth2Token, type CreateRateLimiter, type HttpClient, type HttpClientParams, type RetryOptions } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { SUPPLIERS_PER_FIND, listableSupplierNumber, type CoupaApi, type CoupaExportApi, type CoupaListApi, type CoupaListFilter } from './api.js';
import { CoupaAccount, CoupaInvoice, CoupaLookup, CoupaLookupValue, CoupaPurchaseOrder, CoupaSupplier, coupaErrorMessage } from './wire.js';

export interface CoupaClientParams {
  /** Instance URL, e.g. https://acme.coupahost.com */
  url: string;
  clientId: string;
  /** A `Secret` that follows its source (store, mounted file) is read for every token fetched, and again after a refusal. */
  clientSecret: string | Secret;
  scopes: readonly string[];
  /** Sent on every call when a value is configured. */
  apiVersion?: { header: string; value?: string | undefined };
  /** Coupa: 30 s per call. */
  timeoutMs?: number;
  /** Coupa documents 25 requests/s with a burst of 20; `false` turns the limiter off (benchmarks). */
  rateLimit?: { perSecond: number; burst: number } | false;
  /** Builds the limiter for `rateLimit`: a local token bucket by default; writers share one across replicas. */
  createLimiter?: CreateRateLimiter;
  retry?: RetryOptions;
  dispatcher?: Dispatcher;
  logger?: Logger;
  now?: () => number;
}

/** The HTTP client of Coupa's Core API (`<instance>/api`, JSON, the API-version header when configured); shared with the probe. */
export function coupaApiHttp({
  base,
  apiVersion,
  ...options
}: { base: string; apiVersion?: { header: string; value?: string | undefined } | undefined } & Omit<HttpClientParams, 'name' | 'baseUrl' | 'headers'>): HttpClient {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (apiVersion?.value) headers[apiVersion.header.toLowerCase()] = apiVersion.value;
  return createHttpClient({ ...options, name: 'coupa', baseUrl: `${base}/api`, headers });
}

// Coupa tokens live 24 h and Coupa advises refreshing after about 20 h.
const REFRESH_BEFORE_SECONDS = 4 * 3600;

/**
 * The Coupa REST client behind the CoupaApi port: OAuth2 client credentials with a cached token
 * (one refresh on 401), the API-version header, JSON with Coupa's hyphenated keys, the documented
 * rate limit, and 429/5xx retried honouring Retry-After (in @mlc/http). Coupa's validation errors
 * become MLC_VENDOR_REJECTED with Coupa's own message.
 */
/** A page in id order; with `updatedSince`, only records changed at or after it (`updated-at[gt_or_eq]=<ISO 8601>`, one of Coupa's documented API operators). */
function listQuery(offset: number, limit: number, filter: CoupaListFilter | undefined): Record<string, string | number> {
  return { offset, limit, order_by: 'id', ...(filter?.updatedSince === undefined ? {} : { 'updated-at[gt_or_eq]': filter.updatedSince.toISOString() }) };
}
const changedAfter = (filter: CoupaListFilter | undefined) => (filter?.updatedSince === undefined ? '' : ` changed since ${filter.updatedSince.toISOString()}`);

export function createCoupaClient(params: CoupaClientParams): CoupaApi & CoupaExportApi & CoupaListApi {
  const { url, clientId, clientSecret, scopes, apiVersion, timeoutMs = 30_000, rateLimit = { perSecond: 25, burst: 20 }, createLimiter = createTokenBucket, retry, dispatcher, logger, now } = params;
  const base = url.replace(/\/+$/, '');
  const auth = createTokenProvider({
    name: 'coupa',
    refreshBeforeSeconds: REFRESH_BEFORE_SECONDS,
    now,
    logger,
    fetchToken: async ({ rereadCredentials }) =>
      fetchOAuth2Token({
        tokenUrl: `${base}/oauth2/token`,
        grant: 'client_credentials',
        clientId,
        clientSecret: typeof clientSecret === 'string' ? clientSecret : rereadCredentials ? await clientSecret.refresh() : await clientSecret.current(),
        clientAuth: 'body',
        scope: scopes.join(' '),
        dispatcher,
        timeoutMs,
      }),
  });
  const http = coupaApiHttp({
    base,
    apiVersion,
    dispatcher,
    timeoutMs,
    auth,
    retry,
    logger,
    ...(rateLimit ? { limiter: createLimiter({ ratePerSecond: rateLimit.perSecond, burst: rateLimit.burst }) } : {}),
  });

  async function call<S extends z.ZodType>(schema: S, options: Parameters<typeof http.request>[0], what: string): Promise<z.output<S>> {
    let body: unknown;
    try {
      ({ body } = await http.request(options));
    } catch (error) {
      throw rejected(error, what);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new MlcError('MLC_VENDOR_REJECTED', `Coupa answered ${what} with an unexpected body`, {
        context: { call: what, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
      });
    }
    return parsed.data;
  }

  /** Coupa's 400/422 carry `{"errors": …}`: say what Coupa said. 404s stay as they are (callers use them). */
  function rejected(error: unknown, what: string): unknown {
    if (!isMlcError(error) || error.code !== 'MLC_HTTP_CLIENT_ERROR' || error.context.status === 404) return error;
    let message: string | undefined;
    try {
      message = coupaErrorMessage(JSON.parse(String(error.context.responseBody ?? '')));
    } catch {
      message = undefined;
    }
    return new MlcError('MLC_VENDOR_REJECTED', `Coupa rejected ${what}: ${message ?? `HTTP ${String(error.context.status)}`}`, {
      cause: error,
      context: { ...error.context, call: what },
    });
  }

  // One array schema per record schema, built once: zod builds a schema (and its checks) per `.array()` call.
  const arrays = new Map<z.ZodType, z.ZodType>();
  async function first<S extends z.ZodType>(schema: S, path: string, query: Record<string, string>, what: string): Promise<z.output<S> | undefined> {
    let array = arrays.get(schema) as z.ZodArray<S> | undefined;
    if (array === undefined) arrays.set(schema, (array = schema.array()));
    const rows = await call(array, { method: 'GET', path, query: { ...query, limit: 1 } }, what);
    return rows[0];
  }

  /**
   * `GET /suppliers?number[in]=A,B,…&limit=n`: Coupa documents the `in` operator (a comma-separated
   * list, "multiple OR conditions"), not whether it compares supplier numbers exactly as `number=`
   * does; we assume it does and match the answer by exact number here. A full page with a number
   * missing could mean Coupa holds two suppliers of one number and the missing one fell off the
   * page: those numbers are asked for alone, as before.
   */
  async function findSuppliersByNumbers(numbers: readonly string[]): Promise<Map<string, CoupaSupplier>> {
    const asked = [...new Set(numbers)];
    const listable = asked.length <= SUPPLIERS_PER_FIND && asked.every(listableSupplierNumber);
    if (!listable) {
      throw new MlcError('MLC_INTERNAL', `findSuppliersByNumbers takes at most ${SUPPLIERS_PER_FIND} numbers, each listable (not empty, no comma, no space at either end)`, {
        context: { call: 'find suppliers', numbers: asked.length },
      });
    }
    const found = new Map<string, CoupaSupplier>();
    if (asked.length === 0) return found;
    const what = `find suppliers ${asked.length <= 3 ? asked.join(', ') : `${asked.slice(0, 3).join(', ')} and ${asked.length - 3} more`}`;
    const rows = await call(supplierArray, { method: 'GET', path: '/suppliers', query: { 'number[in]': asked.join(','), limit: asked.length } }, what);
    for (const row of rows) if (typeof row.number === 'string' && asked.includes(row.number) && !found.has(row.number)) found.set(row.number, row);
    if (rows.length >= asked.length) {
      for (const number of asked) {
        if (found.has(number)) continue;
        const alone = await first(CoupaSupplier, '/suppliers', { number }, `find supplier ${number}`);
        if (alone !== undefined) found.set(number, alone);
      }
    }
    return found;
  }
  const supplierArray = CoupaSupplier.array();

  return {
    findSupplierByNumber: (number) => first(CoupaSupplier, '/suppliers', { number }, `find supplier ${number}`),
    findSuppliersByNumbers,
    createSupplier: (json) => call(CoupaSupplier, { method: 'POST', path: '/suppliers', json }, `create supplier ${json.number}`),
    updateSupplier: (id, json) => call(CoupaSupplier, { method: 'PUT', path: `/suppliers/${id}`, json }, `update supplier ${json.number}`),

    findLookupByName: (name) => first(CoupaLookup, '/lookups', { name }, `find lookup ${name}`),
    createLookup: (name) => call(CoupaLookup, { method: 'POST', path: '/lookups', json: { name, active: true } }, `create lookup ${name}`),
    findLookupValue: (lookupName, ref) =>
      first(CoupaLookupValue, '/lookup_values', { 'lookup[name]': lookupName, 'external-ref-num': ref }, `find ${lookupName} value ${ref}`),
    createLookupValue: (json) =>
      call(CoupaLookupValue, { method: 'POST', path: '/lookup_values', json }, `create ${json.lookup.name} value ${json['external-ref-num']}`),
    updateLookupValue: (id, json) =>
      call(CoupaLookupValue, { method: 'PUT', path: `/lookup_values/${id}`, json }, `update ${json.lookup.name} value ${json['external-ref-num']}`),

    findAccount: (code, chart) => first(CoupaAccount, '/accounts', { code, 'account-type[name]': chart }, `find account ${code}`),
    createAccount: (json) => call(CoupaAccount, { method: 'POST', path: '/accounts', json }, `create account ${json.code}`),

    findPurchaseOrderByNumber: (poNumber) => first(CoupaPurchaseOrder, '/purchase_orders', { 'po-number': poNumber }, `find purchase order ${poNumber}`),
    createPurchaseOrder: (json) => call(CoupaPurchaseOrder, { method: 'POST', path: '/purchase_orders', json }, `create purchase order ${json['po-number']}`),
    updatePurchaseOrder: (id, json) =>
      call(CoupaPurchaseOrder, { method: 'PUT', path: `/purchase_orders/${id}`, json }, `update purchase order ${json['po-number']}`),
    deleteOrderLine: async (lineId, { poNumber, lineNumber }) => {
      await call(z.unknown(), { method: 'DELETE', path: `/purchase_order_lines/${lineId}` }, `delete line ${lineNumber} of purchase order ${poNumber}`);
    },
    listSuppliers: (offset, limit, filter) =>
      call(CoupaSupplier.array(), { method: 'GET', path: '/suppliers', query: listQuery(offset, limit, filter) }, `list suppliers from ${offset}${changedAfter(filter)}`),
    listPurchaseOrders: (offset, limit, filter) =>
      call(CoupaPurchaseOrder.array(), { method: 'GET', path: '/purchase_orders', query: listQuery(offset, limit, filter) }, `list purchase orders from ${offset}${changedAfter(filter)}`),

    findInvoice: (invoiceNumber, supplierNumber) =>
      first(CoupaInvoice, '/invoices', { 'invoice-number': invoiceNumber, 'supplier[number]': supplierNumber }, `find invoice ${invoiceNumber}`),
    createInvoice: (json) => call(CoupaInvoice, { method: 'POST', path: '/invoices', json }, `create invoice ${json['invoice-number']}`),
    updateInvoice: (id, json) => call(CoupaInvoice, { method: 'PUT', path: `/invoices/${id}`, json }, `update invoice ${json['invoice-number']}`),

    listNotExported: (resource, status, offset, limit) =>
      call(z.array(z.unknown()), { method: 'GET', path: `/${resource}`, query: { exported: 'false', status, offset, limit } }, `list not exported ${resource}`),
    markExported: async (resource, id) => {
      await call(z.unknown(), { method: 'PUT', path: `/${resource}/${id}`, query: { exported: 'true' }, json: {} }, `mark ${resource} ${id} exported`);
    },
  };
}
