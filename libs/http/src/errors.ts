import { MlcError, codeForHttpStatus, toMlcError, type ErrorCode } from '@mlc/errors';
import { callContext, type Call, type Exchange } from './call.js';

/** Vendor error bodies are kept for diagnostics, but never in full: they can be whole HTML pages. */
export const ERROR_BODY_LIMIT = 2048;

// Failures that happen before a single byte of the request left: repeating them cannot apply a
// non-idempotent request twice.
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const TIMEOUT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CONNECTION = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects fail with an AggregateError whose members carry the codes.
  const first = (error as { errors?: unknown[] } | null)?.errors?.[0];
  return first === undefined ? undefined : errorCodeOf(first);
}

function transportCode(code: string | undefined): ErrorCode | undefined {
  if (code === undefined) return undefined;
  if (TIMEOUT.has(code)) return 'MLC_HTTP_TIMEOUT';
  // HPE_*: llhttp could not parse what the peer sent, as good as a broken connection.
  if (CONNECTION.has(code) || code.startsWith('HPE_')) return 'MLC_HTTP_CONNECTION';
  return undefined;
}

/** Classifies an error thrown by the dispatcher; `timedOut` says our own deadline fired. */
export function transportError(error: unknown, call: Call, timedOut: boolean): MlcError {
  const context = callContext(call);
  const target = `${call.client} ${call.method} ${call.path}`;
  if (timedOut) return new MlcError('MLC_HTTP_TIMEOUT', `${target} timed out`, { cause: error, context });
  const code = errorCodeOf(error);
  const mapped = transportCode(code);
  if (mapped === undefined) return toMlcError(error, context);
  if (code !== undefined && NOT_SENT.has(code)) context.requestSent = false;
  return new MlcError(mapped, `${target} failed: ${code}`, { cause: error, context });
}

function scrub(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[redacted]');
  return out;
}

/** The error for a status the caller did not accept; carries the (truncated, scrubbed) vendor body. */
export function statusError(exchange: Exchange, call: Call): MlcError {
  const body = scrub(exchange.text, call.state.secrets);
  const context: Record<string, unknown> = { ...callContext(call), status: exchange.status };
  if (body.length > 0) {
    context.responseBody = body.length > ERROR_BODY_LIMIT ? `${body.slice(0, ERROR_BODY_LIMIT)}…[truncated]` : body;
  }
  return new MlcError(codeForHttpStatus(exchange.status), `${call.client} ${call.method} ${call.path} answered ${exchange.status}`, {
    context,
  });
}
