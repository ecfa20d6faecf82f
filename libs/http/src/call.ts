import type { HttpMethod, ResponseHeaders } from './types.js';

/**
 * One request as it travels through the layers (retry → limiter → auth → transport). `state` is
 * shared by every attempt of the same request: the retry layer counts attempts in it, the auth
 * layer records the token values it sent so errors can scrub them from echoed bodies.
 */
export interface Call {
  readonly client: string;
  readonly method: HttpMethod;
  /** Path without the query string: the only form of the target that reaches errors and logs. */
  readonly path: string;
  /** Path with the query string, as sent. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
  readonly idempotent: boolean;
  readonly signal: AbortSignal | undefined;
  readonly state: { attempt: number; readonly secrets: Set<string> };
}

export interface Exchange {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
  /** The raw text, kept for error diagnostics. */
  text: string;
}

export type Send = (call: Call) => Promise<Exchange>;

/** A wrapper around the next `Send`, the same idea as undici's dispatcher interceptors. */
export type Layer = (next: Send) => Send;

export function compose(core: Send, layers: readonly Layer[]): Send {
  return layers.reduceRight<Send>((next, layer) => layer(next), core);
}

export function callContext(call: Call): Record<string, unknown> {
  return { client: call.client, method: call.method, path: call.path, attempt: call.state.attempt };
}
