import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { masterKeyFrom, parseMasterKeys, type MasterKey } from './envelope.js';

/** The settings of the credentials store, in every service's and mlc's environment. */
export const CredentialsEnv = z.object({
  MLC_MASTER_KEY: z.string().optional().describe('the master key, base64 of 32 bytes (`openssl rand -base64 32`)'),
  MLC_MASTER_KEY_ID: z.string().optional().describe('id of MLC_MASTER_KEY / MLC_MASTER_KEY_FILE; derived from the key when unset'),
  MLC_MASTER_KEY_FILE: z.string().optional().describe('a mounted file holding the master key (base64)'),
  MLC_MASTER_KEYS_FILE: z
    .string()
    .optional()
    .describe('a mounted file with several master keys, one a line (`base64` or `id=base64`), the current one first: for master-key rotation'),
  MLC_CREDENTIALS_CACHE_SECONDS: z.coerce.number().nonnegative().default(30).describe('how long a service uses a stored secret before reading it again'),
});
export type CredentialsEnv = z.infer<typeof CredentialsEnv>;

/** The master keys a process holds: the current one, and every one it can still open with. */
export interface KeyRing {
  current(): MasterKey;
  find(id: string): MasterKey | undefined;
  ids(): string[];
}

export interface KeyRingParams {
  /** Reads the keys, current first; called again when a key id is not known, so a keys file rotated under a running service is picked up. */
  load: () => MasterKey[];
  /** At most one reload per this many milliseconds (a flood of unknown ids must not hammer the file). */
  reloadIntervalMs?: number;
  now?: () => number;
}

export function createKeyRing({ load, reloadIntervalMs = 5_000, now = Date.now }: KeyRingParams): KeyRing {
  let keys = load();
  let loadedAt = now();
  const reload = () => {
    if (now() - loadedAt < reloadIntervalMs) return;
    loadedAt = now();
    try {
      keys = load();
    } catch {
      // A keys file caught mid-update: the keys already held stay in use, the next miss retries.
    }
  };
  return {
    current: () => {
      reload();
      return keys[0]!;
    },
    find: (id) => keys.find((k) => k.id === id) ?? (reload(), keys.find((k) => k.id === id)),
    ids: () => keys.map((k) => k.id),
  };
}

function readKeyFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new MlcError('MLC_CONFIG_INVALID', `${variable}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, {
      context: { variable, path },
    });
  }
}

/**
 * The key ring the environment gives, or undefined when it gives no master key (the store is then
 * off: a connection referring to `{ "store": … }` is a configuration error). MLC_MASTER_KEY,
 * MLC_MASTER_KEY_FILE and MLC_MASTER_KEYS_FILE are alternatives; more than one is an error.
 */
export function keyRingFromEnv(env: CredentialsEnv): KeyRing | undefined {
  const given = (['MLC_MASTER_KEY', 'MLC_MASTER_KEY_FILE', 'MLC_MASTER_KEYS_FILE'] as const).filter((name) => env[name] !== undefined);
  if (given.length === 0) {
    if (env.MLC_MASTER_KEY_ID !== undefined) throw new MlcError('MLC_CONFIG_INVALID', 'MLC_MASTER_KEY_ID names a key, but no MLC_MASTER_KEY or MLC_MASTER_KEY_FILE is set', { context: { variable: 'MLC_MASTER_KEY_ID' } });
    return undefined;
  }
  if (given.length > 1) {
    throw new MlcError('MLC_CONFIG_INVALID', `give one of ${given.join(', ')}, not several`, { context: { variables: given } });
  }
  if (env.MLC_MASTER_KEYS_FILE !== undefined && env.MLC_MASTER_KEY_ID !== undefined) {
    throw new MlcError('MLC_CONFIG_INVALID', 'MLC_MASTER_KEY_ID goes with MLC_MASTER_KEY or MLC_MASTER_KEY_FILE; name keys inside MLC_MASTER_KEYS_FILE as id=base64', {
      context: { variable: 'MLC_MASTER_KEY_ID' },
    });
  }
  const { MLC_MASTER_KEY: literal, MLC_MASTER_KEY_FILE: keyFile, MLC_MASTER_KEYS_FILE: keysFile, MLC_MASTER_KEY_ID: id } = env;
  if (literal !== undefined) {
    const key = masterKeyFrom(literal, id, 'MLC_MASTER_KEY');
    return createKeyRing({ load: () => [key] });
  }
  if (keyFile !== undefined) return createKeyRing({ load: () => [masterKeyFrom(readKeyFile(keyFile, 'MLC_MASTER_KEY_FILE'), id, 'MLC_MASTER_KEY_FILE')] });
  return createKeyRing({ load: () => parseMasterKeys(readKeyFile(keysFile!, 'MLC_MASTER_KEYS_FILE'), 'MLC_MASTER_KEYS_FILE') });
}
