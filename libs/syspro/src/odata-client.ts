import type { Secret } from '@mlc/config';
import { MlcError, toMlcError } from '@mlc/errors';
import { createHttpClient, type HttpClient } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import { odataIdentifier, type ODataFilter } from './odata-filter.js';
import { ODataEnvelope, type SysproRow } from './wire.js';

/** SYSPRO caps every OData response at 5,000 rows (vendors.md §1.1), nextLink or not. */
export const SYSPRO_ROW_CAP = 5000;

export interface SysproODataClientParams {
  /** Service root, e.g. `https://host/SYSPRO8Odata/SYSPROOData`; the company is the next path segment. */
  baseUrl: string;
  /** An @mlc/http client for `baseUrl` (retries, limits); built from `dispatcher` when absent. */
  http?: HttpClient;
  dispatcher?: Dispatcher;
  company: string;
  /** A SYSPRO operator enabled for OData; HTTP Basic. */
  username: string;
  /** A `Secret` that follows its source (store, mounted file) is read at each request: a rotated password applies without a restart. */
  password: string | Secret;
  pageSize?: number;
  timeoutMs?: number;
  logger?: Logger;
}

export interface ODataQuery {
  filter?: ODataFilter;
  select?: string;
  orderby?: string;
  /** At most this many rows in total, across pages. */
  top?: number;
}

export interface ODataPage {
  rows: SysproRow[];
  /** The request's path and query below the service root, for logs (no credentials: those travel in a header). */
  url: string;
}

export interface SysproODataClient {
  /** Pages of `entitySet`, one request at a time, so memory holds one page. */
  pages(entitySet: string, query?: ODataQuery): AsyncGenerator<ODataPage, void, undefined>;
}

const COMPANY = /^[A-Za-z0-9_-]{1,32}$/;
const URL_LIMIT = 500;
const COLUMN_LIST = /^[A-Za-z_][A-Za-z0-9_]*( (asc|desc))?(,[A-Za-z_][A-Za-z0-9_]*( (asc|desc))?)*$/;

/**
 * OData v4 client for SYSPRO's read side. Pages with `@odata.nextLink` when the service sends one
 * and with `$top`/`$skip` otherwise, until a short page; a page of exactly 5,000 rows without a
 * nextLink is taken as SYSPRO's cap and paging goes on. A `$skip` walk is only as stable as the
 * data under it: the poller reads by keyset (cursor.ts) and uses `top` to take one page per query.
 */
export function createSysproODataClient({
  baseUrl,
  http,
  dispatcher,
  company,
  username,
  password,
  pageSize = 1000,
  timeoutMs = 60_000,
  logger,
}: SysproODataClientParams): SysproODataClient {
  if (!COMPANY.test(company)) throw new MlcError('MLC_CONFIG_INVALID', 'SYSPRO company id is not a plain code', { context: { company } });
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new MlcError('MLC_CONFIG_INVALID', 'pageSize must be a positive integer', { context: { pageSize } });
  }
  // RFC 7617: a user-id containing a colon cannot be sent with Basic auth.
  if (username.length === 0 || username.includes(':')) throw new MlcError('MLC_CONFIG_INVALID', 'SYSPRO OData username is empty or contains a colon');
  const root = new URL(baseUrl);
  const basePath = root.pathname.replace(/\/+$/, '');
  // It travels only as a request header, which neither errors nor logs carry.
  const authorization = () => `Basic ${Buffer.from(`${username}:${typeof password === 'string' ? password : password.reveal()}`, 'utf8').toString('base64')}`;
  const client =
    http ??
    createHttpClient({ name: `syspro-odata:${company}`, baseUrl, dispatcher, timeoutMs, headers: { accept: 'application/json' }, logger });

  function resolveNextLink(nextLink: string, entitySet: string, current: string): string {
    let url: URL;
    try {
      url = new URL(nextLink, `${root.origin}${basePath}${current}`);
    } catch (cause) {
      throw decodeError('nextLink is not a URL', entitySet, current, cause);
    }
    // The nextLink is followed with our credentials, so it must stay on the service we were given.
    if (url.origin !== root.origin || !url.pathname.startsWith(`${basePath}/`)) {
      throw decodeError('nextLink points outside the SYSPRO OData service', entitySet, current);
    }
    return `${url.pathname.slice(basePath.length)}${url.search}`;
  }

  async function fetchPage(entitySet: string, target: string): Promise<ODataEnvelope> {
    let body: unknown;
    try {
      ({ body } = await client.request({ method: 'GET', path: target, headers: { authorization: authorization(), accept: 'application/json' } }));
    } catch (error) {
      throw toMlcError(error, { entitySet, url: shorten(target) });
    }
    let json = body;
    if (typeof body === 'string') {
      try {
        json = JSON.parse(body);
      } catch (cause) {
        throw decodeError('response is not JSON', entitySet, target, cause);
      }
    }
    const parsed = ODataEnvelope.safeParse(json);
    if (!parsed.success) {
      throw decodeError('response is not an OData collection', entitySet, target, parsed.error, {
        paths: parsed.error.issues.slice(0, 5).map((i) => i.path.join('.') || '(root)'),
      });
    }
    return parsed.data;
  }

  async function* pages(entitySet: string, query: ODataQuery = {}): AsyncGenerator<ODataPage, void, undefined> {
    odataIdentifier(entitySet, 'entitySet');
    const { top } = query;
    if (top !== undefined && (!Number.isSafeInteger(top) || top < 0)) {
      throw new MlcError('MLC_CONFIG_INVALID', 'top must be a non-negative integer', { context: { entitySet, top } });
    }
    for (const [option, value] of [['select', query.select], ['orderby', query.orderby]] as const) {
      if (value !== undefined && !COLUMN_LIST.test(value)) {
        throw new MlcError('MLC_CONFIG_INVALID', `$${option} must be a list of plain column names (use selectList/orderBy)`, { context: { entitySet } });
      }
    }
    const path = `/${encodeURIComponent(company)}/${entitySet}`;
    let read = 0;
    let skip = 0;
    let next: string | undefined;
    let serverDriven = false;
    for (;;) {
      const remaining = top === undefined ? Number.POSITIVE_INFINITY : top - read;
      if (remaining <= 0) return;
      const want = Math.min(pageSize, remaining);
      const target = next ?? `${path}?${queryString(query, want, skip)}`;
      const envelope = await fetchPage(entitySet, target);
      const received = envelope.value.length;
      const rows = received > remaining ? envelope.value.slice(0, remaining) : envelope.value;
      read += rows.length;
      if (rows.length > 0) yield { rows, url: shorten(target) };

      const nextLink = envelope['@odata.nextLink'];
      if (nextLink !== undefined) {
        if (received === 0) return;
        serverDriven = true;
        next = resolveNextLink(nextLink, entitySet, target);
        continue;
      }
      if (serverDriven) return;
      const hitCap = received === SYSPRO_ROW_CAP && want > SYSPRO_ROW_CAP;
      if (received < want && !hitCap) return;
      if (received === 0) return;
      skip += received;
    }
  }

  return { pages };
}

function queryString(query: ODataQuery, top: number, skip: number): string {
  // Built by hand so the system query options keep their literal `$` (URLSearchParams would send %24).
  const parts: [string, string | undefined][] = [
    ['$filter', query.filter?.text],
    ['$select', query.select],
    ['$orderby', query.orderby],
    ['$top', String(top)],
    ['$skip', skip > 0 ? String(skip) : undefined],
  ];
  return parts
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
}

function shorten(target: string): string {
  return target.length > URL_LIMIT ? `${target.slice(0, URL_LIMIT)}…` : target;
}

function decodeError(message: string, entitySet: string, target: string, cause?: unknown, extra: Record<string, unknown> = {}): MlcError {
  return new MlcError('MLC_DECODE_FAILED', `SYSPRO OData ${entitySet}: ${message}`, {
    cause,
    context: { entitySet, url: shorten(target), ...extra },
  });
}
