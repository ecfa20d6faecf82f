import { MlcError } from '@mlc/errors';
import type { Dispatcher } from 'undici';
import { callContext, type Exchange, type Send } from './call.js';
import { transportError } from './errors.js';

export interface TransportParams {
  dispatcher: Dispatcher;
  origin: string;
  /** Base path of the client (no trailing slash), prefixed to every call's target. */
  basePath: string;
  timeoutMs: number;
}

function isJson(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  if (value === undefined) return false;
  const mediaType = value.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/**
 * The core `Send`: one HTTP exchange over the injected dispatcher, any status returned as data,
 * bounded by one deadline for connect + headers + body. Transport failures become MlcErrors;
 * a caller's own abort is rethrown unchanged.
 */
export function createTransport({ dispatcher, origin, basePath, timeoutMs }: TransportParams): Send {
  return async (call) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = call.signal === undefined ? deadline : AbortSignal.any([call.signal, deadline]);
    let status: number;
    let headers: Exchange['headers'];
    let text: string;
    try {
      const response = await dispatcher.request({
        origin,
        path: `${basePath}${call.target}`,
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      if (call.signal?.aborted === true) throw call.signal.reason;
      throw transportError(error, call, deadline.aborted);
    }
    if (text.length === 0 || !isJson(headers['content-type'])) {
      return { status, headers, text, body: text.length === 0 ? undefined : text };
    }
    try {
      return { status, headers, text, body: JSON.parse(text) as unknown };
    } catch {
      // An error page labelled JSON is still worth reporting as the status it came with.
      if (status < 200 || status >= 300) return { status, headers, text, body: text };
      // No cause: JSON.parse quotes the text, which may hold a token (token endpoints).
      throw new MlcError('MLC_DECODE_FAILED', `${call.client} ${call.method} ${call.path}: response is not valid JSON`, {
        context: { ...callContext(call), status },
      });
    }
  };
}
