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
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // JSON.stringify turns undefined array members into null; an array keeps its length.
        return `[${value.map((item, i) => (item === undefined ? 'null' : write(item, `${path}[${i}]`))).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw notJson(path, 'a class instance');
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`)}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw notJson(path, typeof value);
  }
}

function notJson(path: string, what: string): MlcError {
  return new MlcError('MLC_EVENT_INVALID', `value at ${path} is not JSON (${what})`, { context: { path } });
}
