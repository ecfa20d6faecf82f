import { randomBytes } from 'node:crypto';

/**
 * A name no other test run uses: `<prefix>-<12 hex chars>`. Kafka topic names, group ids, schema
 * subjects and Postgres identifiers all accept it (lower-case letters, digits, `-`; use
 * `uniqueIdentifier` where `-` is not allowed).
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Like `uniqueName`, but a valid unquoted SQL identifier (`[a-z_][a-z0-9_]*`). */
export function uniqueIdentifier(prefix: string): string {
  const base = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${/^[a-z_]/.test(base) ? base : `_${base}`}_${randomBytes(6).toString('hex')}`;
}
