import { isMlcError } from '@mlc/errors';

/**
 * Why a check failed, as an operator acts on it: fix DNS, fix TLS (trust, names), open the way
 * (refused, unreachable), wait or raise a timeout, fix credentials (401/403), grant a scope, fix
 * the configuration (an entity set, program, topic or migration missing), or read the detail.
 */
export const FAILURE_REASONS = ['dns', 'tls', 'refused', 'unreachable', 'timeout', 'credentials', 'scope', 'missing', 'rejected', 'error'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface Failure {
  reason: FailureReason;
  /** What happened, from codes, statuses and vendor error codes only: never a message that could carry a secret. */
  detail: string;
}

/** What the reasons print as, for people. */
export const REASON_LABELS: Readonly<Record<FailureReason, string>> = {
  dns: 'DNS',
  tls: 'TLS',
  refused: 'connection refused',
  unreachable: 'unreachable',
  timeout: 'timeout',
  credentials: 'wrong credentials',
  scope: 'missing scope',
  missing: 'missing',
  rejected: 'rejected',
  error: 'error',
};

/** A failure a check found itself (a scope not granted, a topic not there), with its reason already known. */
export class CheckFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'CheckFailure';
  }
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);
const REFUSED = new Set(['ECONNREFUSED']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ESOCKETTIMEDOUT']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_(VERIFY|GET)_|EPROTO$|HOSTNAME_MISMATCH)/;
// PostgreSQL: invalid_password, invalid_authorization_specification; a missing database or schema.
const PG_CREDENTIALS = new Set(['28P01', '28000']);
const PG_MISSING = new Set(['3D000', '3F000', '42P01']);
// What socket errors say when they reach us only as text (kafkajs and pg rewrap them).
const TEXT_CODES = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET)\b/;

interface Facts {
  codes: string[];
  names: string[];
  messages: string[];
  context: Record<string, unknown>;
  mlcCode?: string;
}

/** Codes, names, messages and our error context along the cause chain (and AggregateError members). */
function factsOf(error: unknown): Facts {
  const facts: Facts = { codes: [], names: [], messages: [], context: {} };
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (e === null || typeof e !== 'object' || seen.has(e) || depth > 8) return;
    seen.add(e);
    const { code, name, message, cause, errors, context } = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown; context?: unknown };
    if (isMlcError(e)) {
      facts.mlcCode ??= e.code;
      // The outermost context wins: it names the call the check made.
      facts.context = { ...e.context, ...facts.context };
    } else if (typeof context === 'object' && context !== null) facts.context = { ...(context as Record<string, unknown>), ...facts.context };
    if (typeof code === 'string') facts.codes.push(code);
    if (typeof name === 'string') facts.names.push(name);
    if (typeof message === 'string') {
      facts.messages.push(message);
      const text = TEXT_CODES.exec(message)?.[1];
      if (text !== undefined) facts.codes.push(text);
    }
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const member of errors) visit(member, depth + 1);
  };
  visit(error, 0);
  return facts;
}

const statusOf = (context: Record<string, unknown>): number | undefined => (typeof context.status === 'number' ? context.status : undefined);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * The reason a check failed, from the error it threw. Pure; fixture-tested with the errors our
 * clients, kafkajs, pg and node throw. The detail is built from codes, HTTP statuses, OAuth and
 * M3 error codes only, so it never carries a secret a message might.
 */
export function classifyFailure(error: unknown): Failure {
  if (error instanceof CheckFailure) return { reason: error.reason, detail: error.detail };
  const facts = factsOf(error);
  const { context, codes } = facts;
  const status = statusOf(context);
  const oauthError = textOf(context.oauthError);
  const has = (set: ReadonlySet<string>) => codes.find((c) => set.has(c));

  // Transport first: a refused connection says nothing about credentials.
  const dns = has(DNS);
  if (dns !== undefined) return { reason: 'dns', detail: `host name not resolved (${dns})` };
  const tls = codes.find((c) => TLS_CODE.test(c)) ?? (facts.messages.some((m) => /alert (bad certificate|certificate required|unknown ca)|wrong version number|certificate/i.test(m)) ? 'handshake' : undefined);
  if (tls !== undefined) return { reason: 'tls', detail: `TLS handshake failed (${tls})` };
  const refused = has(REFUSED);
  if (refused !== undefined) return { reason: 'refused', detail: `connection refused (${refused})` };
  const timeout = has(TIMEOUT);
  if (timeout !== undefined || facts.mlcCode === 'MLC_HTTP_TIMEOUT' || facts.names.some((n) => n === 'KafkaJSRequestTimeoutError' || n === 'TimeoutError')) {
    return { reason: 'timeout', detail: `no answer in time${timeout === undefined ? '' : ` (${timeout})`}` };
  }
  if (facts.names.includes('KafkaJSConnectionError') && facts.messages.some((m) => /timeout/i.test(m))) return { reason: 'timeout', detail: 'no answer in time (Kafka connection)' };
  const unreachable = has(UNREACHABLE);
  if (unreachable !== undefined) return { reason: 'unreachable', detail: `host unreachable or connection dropped (${unreachable})` };

  // Scopes, then credentials.
  if (oauthError === 'invalid_scope' || oauthError === 'insufficient_scope') {
    const scope = textOf(context.scope);
    return { reason: 'scope', detail: `${oauthError}${scope === undefined ? '' : `: ${scope}`}` };
  }
  const pgCode = codes.find((c) => PG_CREDENTIALS.has(c) || PG_MISSING.has(c));
  if (pgCode !== undefined && PG_CREDENTIALS.has(pgCode)) return { reason: 'credentials', detail: `PostgreSQL refused the login (SQLSTATE ${pgCode})` };
  if (pgCode !== undefined) return { reason: 'missing', detail: `PostgreSQL: database, schema or table missing (SQLSTATE ${pgCode})` };
  if (facts.names.includes('KafkaJSSASLAuthenticationError')) return { reason: 'credentials', detail: 'Kafka refused the SASL login' };
  if (status === 401 || status === 403 || facts.mlcCode === 'MLC_AUTH_FAILED') {
    const what = status === undefined ? 'credentials refused' : `HTTP ${status}`;
    return { reason: 'credentials', detail: oauthError === undefined ? what : `${what} (${oauthError})` };
  }

  // The thing asked for is not there.
  const m3 = context.m3 as { errorType?: unknown; errorCode?: unknown; errorField?: unknown } | undefined;
  if (textOf(m3?.errorType) === 'TransactionNotFound') return { reason: 'missing', detail: `M3 transaction not found${textOf(m3?.errorCode) ? ` (${String(m3?.errorCode)})` : ''}` };
  if (status === 404) return { reason: 'missing', detail: 'HTTP 404 (not found)' };
  if (facts.names.some((n) => n === 'KafkaJSProtocolError') && codes.includes('UNKNOWN_TOPIC_OR_PARTITION')) return { reason: 'missing', detail: 'topic missing' };

  if (status !== undefined) return { reason: 'rejected', detail: `HTTP ${status}` };
  if (m3 !== undefined) return { reason: 'rejected', detail: `M3 ${textOf(m3.errorType) ?? 'error'}${textOf(m3.errorCode) ? ` ${String(m3.errorCode)}` : ''}` };
  if (facts.mlcCode === 'MLC_VENDOR_REJECTED' || facts.mlcCode === 'MLC_DECODE_FAILED') return { reason: 'rejected', detail: facts.mlcCode };
  return { reason: 'error', detail: facts.mlcCode ?? facts.names.find((n) => n !== 'Error') ?? 'unexpected error' };
}
