import { MlcError } from '@mlc/errors';

/**
 * Serializes a JSON value with object keys sorted by UTF-16 code units and `undefined` members
 * omitted, so two values with equal content always give the same string whatever their key order.
 * Strings and numbers are written as `JSON.stringify` writes them, which makes the output the
 * RFC 8785 (JCS) form for the values our schemas allow. Values JSON cannot carry (NaN, Infinity,
 * bigint, functions, symbols, class instances such as Date) are rejected rather than silently
 * changed, because a hash over a lossy form would call different content equal.
 */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (!(error instanceof NotJson)) throw error;
    const path = error.path.reduce<string>((at, part) => (typeof part === 'number' ? `${at}[${part}]` : `${at}.${part}`), '$');
    throw new MlcError('MLC_EVENT_INVALID', `value at ${path} is not JSON (${error.what})`, { context: { path } });
  }
}

/** Thrown inside `write`; the path is collected on the way out, so a value that is JSON builds no path strings. */
class NotJson {
  readonly path: (string | number)[] = [];
  constructor(readonly what: string) {}
}

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NotJson(String(value));
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // JSON.stringify turns undefined array members into null; an array keeps its length.
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += item === undefined ? 'null' : within(i, item);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new NotJson('a class instance');
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${JSON.stringify(key)}:${within(key, item)}`;
      }
      return `${out}}`;
    }
    default:
      throw new NotJson(typeof value);
  }
}

function within(part: string | number, value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error instanceof NotJson) error.path.unshift(part);
    throw error;
  }
}
