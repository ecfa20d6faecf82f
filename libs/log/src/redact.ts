import { stdSerializers } from 'pino';

export const CENSOR = '[redacted]';

// Names that hold secrets in our objects, vendors' documents and HTTP headers, compared without
// case, dashes or underscores (`Authorization`, `x-api-key`, `client_secret` all match).
const SECRET_NAMES = new Set(
  [
    'password',
    'secret',
    'token',
    'accessToken',
    'refreshToken',
    'idToken',
    'authorization',
    'proxyAuthorization',
    'cookie',
    'setCookie',
    'apiKey',
    'xApiKey',
    'masterKey',
    'privateKey',
    // .ionapi: client secret, service account access/secret keys.
    'cs',
    'saak',
    'sask',
    // Bank details of suppliers (canonical `bank`, its fields, SYSPRO's APSSSP elements).
    'bank',
    'iban',
    'accountNumber',
    'bankAccount',
    'bankBranch',
    'routingNumber',
    'sortCode',
    'swiftCode',
    'bic',
  ].map((name) => normalize(name)),
);
// Any name ending in one of these (`operatorPassword`, `clientSecret`, `hmacSecret`, `access_token`).
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'apikey'];

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** Whether a property, header or query parameter of this name holds a secret. */
export function isSecretName(name: string): boolean {
  const n = normalize(name);
  return SECRET_NAMES.has(n) || SECRET_SUFFIXES.some((suffix) => n.endsWith(suffix));
}

// A query parameter whose name says secret (`?access_token=`, `&apiKey=`, `&sig=`), its value up to
// the next separator; and credentials after an HTTP auth scheme in free text.
const QUERY_SECRET = /([?&;]([A-Za-z0-9_.-]+)=)([^&#\s"'\\]+)/g;
const QUERY_EXTRA = new Set(['sig', 'signature', 'key', 'code', 'auth']);
const AUTH_SCHEME = /\b(Bearer|Basic)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]+/g;

/** Text with secret query parameters' values and `Bearer`/`Basic` credentials replaced by `[redacted]`. */
export function redactText(text: string): string {
  if (!text.includes('=') && !/Bearer|Basic/.test(text)) return text;
  return text
    .replace(QUERY_SECRET, (match, head: string, name: string) => (isSecretName(name) || QUERY_EXTRA.has(normalize(name)) ? `${head}${CENSOR}` : match))
    .replace(AUTH_SCHEME, `$1 ${CENSOR}`);
}

const MAX_DEPTH = 32;

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  // Serialised (its own props only, a plain object) so its message, code and context are walked too.
  if (value instanceof Error) return walk({ ...stdSerializers.err(value) }, depth + 1, seen);
  // Class instances (Secret, Date, Buffer, a fastify request) serialise themselves or have their own serializer.
  if (!Array.isArray(value) && !isPlain(value)) return value;
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((item) => walk(item, depth + 1, seen));
  else {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = isSecretName(key) && item !== undefined ? CENSOR : walk(item, depth + 1, seen);
    out = copy;
  }
  seen.delete(value);
  return out;
}

/**
 * A copy of `value` with every property named like a secret replaced by `[redacted]`, at any depth
 * and in any casing, and secrets in URLs' query strings and auth headers inside strings redacted.
 * Errors become their serialised form (message, code, context), redacted the same way.
 */
export function redactSecrets(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}
