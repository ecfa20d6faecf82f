import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { MlcError } from '@mlc/errors';

/** A master key: 32 bytes of AES-256 key and the id every data key it wraps is tagged with. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** One stored secret as it sits in the database: nothing here is readable without a master key. */
export interface SealedSecret {
  /** Random id of the data key, bound into both ciphertexts. */
  dataKeyId: string;
  /** The master key that wraps the data key. */
  masterKeyId: string;
  /** The data key under the master key: format byte, IV, tag, ciphertext. */
  wrappedKey: Buffer;
  /** The secret value under the data key: format byte, IV, tag, ciphertext. */
  ciphertext: Buffer;
}

/** What a sealed secret belongs to; part of the AAD, so a ciphertext opens only under its own name and version. */
export interface SecretIdentity {
  name: string;
  version: number;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 1;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The id of a master key given without one: a hash of the key, so every service derives the same id. */
export function deriveKeyId(key: Buffer): string {
  return `mk-${createHash('sha256').update('mlc master key id v1\0').update(key).digest('hex').slice(0, 16)}`;
}

/** A master key from its base64 text (32 bytes); `id` is derived from the key when not given. */
export function masterKeyFrom(base64: string, id: string | undefined, source: string): MasterKey {
  const key = Buffer.from(base64.trim(), 'base64');
  // Buffer.from ignores what is not base64, so the length (not a parse error) tells a bad key.
  if (key.length !== KEY_BYTES || key.toString('base64') !== base64.trim()) {
    throw new MlcError('MLC_CONFIG_INVALID', `${source}: a master key is base64 of ${KEY_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`, {
      context: { source, reason: 'bad-master-key' },
    });
  }
  if (id !== undefined && !KEY_ID.test(id)) {
    throw new MlcError('MLC_CONFIG_INVALID', `${source}: a master key id is 1-64 letters, digits, '.', '_' or '-'`, { context: { source, reason: 'bad-master-key-id' } });
  }
  return { id: id ?? deriveKeyId(key), key };
}

/**
 * Master keys from a keys file: one key a line, `base64` or `id=base64`; blank lines and `#`
 * comments skipped. The first key is the current one (new secrets and rewraps use it); the others
 * still open what they wrapped, until `mlc credentials rewrap` has moved everything off them.
 */
export function parseMasterKeys(text: string, source: string): MasterKey[] {
  const keys = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const eq = line.indexOf('=');
      // base64 ends in '=' padding, so an id is only what precedes an '=' that is not at the end.
      const named = eq > 0 && !/^[A-Za-z0-9+/]*=*$/.test(line);
      return named ? masterKeyFrom(line.slice(eq + 1), line.slice(0, eq), source) : masterKeyFrom(line, undefined, source);
    });
  if (keys.length === 0) throw new MlcError('MLC_CONFIG_INVALID', `${source}: no master key in it`, { context: { source, reason: 'no-master-key' } });
  const ids = new Set<string>();
  for (const { id } of keys) {
    if (ids.has(id)) throw new MlcError('MLC_CONFIG_INVALID', `${source}: master key id ${id} given twice`, { context: { source, reason: 'duplicate-master-key' } });
    ids.add(id);
  }
  return keys;
}

function aad(kind: 'data-key' | 'secret', { name, version }: SecretIdentity, dataKeyId: string, masterKeyId?: string): Buffer {
  return Buffer.from(['mlc-credentials', kind, 'v1', name, String(version), dataKeyId, masterKeyId ?? ''].join('\0'), 'utf8');
}

function encrypt(key: Buffer, plaintext: Buffer, additional: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additional);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), body]);
}

function decrypt(key: Buffer, blob: Buffer, additional: Buffer, context: Record<string, unknown>): Buffer {
  if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== FORMAT) {
    throw new MlcError('MLC_DECODE_FAILED', 'stored credential has an unknown format', { context: { ...context, reason: 'bad-format' } });
  }
  const iv = blob.subarray(1, 1 + IV_BYTES);
  const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(additional);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch (error) {
    // A wrong key, a changed byte or a ciphertext moved to another name all end here alike.
    throw new MlcError('MLC_DECODE_FAILED', 'stored credential failed authentication (tampered, moved to another name, or the wrong key)', {
      context: { ...context, reason: 'not-authentic' },
      cause: error,
    });
  }
}

/** Finds a master key by id; undefined when this process has not been given it. */
export type MasterKeyLookup = (id: string) => MasterKey | undefined;

function masterKeyFor(keyFor: MasterKeyLookup, id: string, name: string): MasterKey {
  const master = keyFor(id);
  if (master === undefined) {
    throw new MlcError('MLC_CONFIG_INVALID', `stored credential ${name} is wrapped by master key ${id}, which this process was not given`, {
      context: { name, masterKeyId: id, reason: 'unknown-master-key' },
    });
  }
  return master;
}

/** Encrypts `value` under a fresh data key, and the data key under `master`. */
export function seal(identity: SecretIdentity, value: string, master: MasterKey): SealedSecret {
  const dataKeyId = randomBytes(8).toString('hex');
  const dataKey = randomBytes(KEY_BYTES);
  try {
    return {
      dataKeyId,
      masterKeyId: master.id,
      wrappedKey: encrypt(master.key, dataKey, aad('data-key', identity, dataKeyId, master.id)),
      ciphertext: encrypt(dataKey, Buffer.from(value, 'utf8'), aad('secret', identity, dataKeyId)),
    };
  } finally {
    dataKey.fill(0);
  }
}

function unwrap(identity: SecretIdentity, sealed: SealedSecret, keyFor: MasterKeyLookup): Buffer {
  const master = masterKeyFor(keyFor, sealed.masterKeyId, identity.name);
  return decrypt(master.key, sealed.wrappedKey, aad('data-key', identity, sealed.dataKeyId, master.id), { name: identity.name, masterKeyId: master.id });
}

/** The value of a sealed secret. MLC_CONFIG_INVALID for a master key not given; MLC_DECODE_FAILED when anything does not authenticate. */
export function open(identity: SecretIdentity, sealed: SealedSecret, keyFor: MasterKeyLookup): string {
  const dataKey = unwrap(identity, sealed, keyFor);
  try {
    return decrypt(dataKey, sealed.ciphertext, aad('secret', identity, sealed.dataKeyId), { name: identity.name }).toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The same secret with its data key wrapped under `to`: the value's ciphertext is untouched, so a
 * master-key rotation never decrypts a secret value.
 */
export function rewrap(identity: SecretIdentity, sealed: SealedSecret, keyFor: MasterKeyLookup, to: MasterKey): SealedSecret {
  const dataKey = unwrap(identity, sealed, keyFor);
  try {
    return { ...sealed, masterKeyId: to.id, wrappedKey: encrypt(to.key, dataKey, aad('data-key', identity, sealed.dataKeyId, to.id)) };
  } finally {
    dataKey.fill(0);
  }
}
