import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { EntityType, Source } from './envelope.js';

/** sha256 hex of the canonical JSON of `data`: equal content, equal hash, whatever the key order. */
export function contentHashOf(data: unknown): string {
  return contentHashOfJson(canonicalJson(data));
}

/** `contentHashOf` for data whose canonical JSON is already made (`buildEvent` writes it into the payload too). */
export function contentHashOfJson(canonical: string): string {
  return hash('sha256', canonical, 'hex');
}

export interface EventIdentity {
  source: Source;
  connection: string;
  entityType: EntityType;
  key: string;
  contentHash: string;
}

/**
 * Deterministic event id, so a re-poll or replay of the same content yields the same id and
 * consumers can deduplicate on it. Recipe (version 1, keep it stable):
 *
 *   digest = sha256(utf8("mlc-event-id/v1\n" + JSON.stringify([source, connection, entityType, key, contentHash])))
 *   id     = first 16 bytes of digest, with the version nibble set to 8 and the variant bits to 10,
 *            written as a lowercase 8-4-4-4-12 UUID
 *
 * i.e. an RFC 9562 UUIDv8 ("custom") built from a sha256. The JSON array keeps the fields apart
 * even when a key or connection name contains a separator character.
 */
export function eventIdOf(identity: EventIdentity): string {
  const { source, connection, entityType, key, contentHash } = identity;
  const input = `mlc-event-id/v1\n${JSON.stringify([source, connection, entityType, key, contentHash])}`;
  const bytes = hash('sha256', input, 'buffer').subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
