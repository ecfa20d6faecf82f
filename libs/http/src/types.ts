import type { Dispatcher } from 'undici';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

export interface HttpRequestOptions {
  method: HttpMethod;
  /** Appended to the client's base URL (whose own path is kept). */
  path: string;
  /** Never put into errors or logs: query strings carry secrets on some vendors (SYSPRO Logon). */
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Sent as `application/json`. At most one of `json`, `form`, `body`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Sent as is; set the content type in `headers`. Must be replayable, hence no streams. */
  body?: string | Uint8Array;
  /** Marks a POST/PATCH as safe to repeat after a 5xx, timeout or dropped connection. */
  idempotent?: boolean;
  /** Non-2xx statuses the caller handles itself (e.g. 404 on a lookup) instead of an error. */
  acceptStatuses?: readonly number[];
  signal?: AbortSignal;
}

export type ResponseHeaders = Dispatcher.ResponseData['headers'];

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /** Parsed JSON when the content type says JSON, the text otherwise (`undefined` when empty). */
  body: unknown;
}

export interface HttpClient {
  request(options: HttpRequestOptions): Promise<HttpResponse>;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** What the client needs from a token provider: a bearer token, and a way to drop a refused one. */
export interface BearerAuth {
  getToken(): Promise<string>;
  invalidate(token: string): void;
}

/** What the client needs from a rate limiter; the feedback hooks let adaptive limiters learn. */
export interface RateLimiter {
  take(signal?: AbortSignal): Promise<void>;
  onRateLimited?(): void;
  onSuccess?(): void;
}
