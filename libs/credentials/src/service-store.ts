import type pg from 'pg';
import type { SecretStore } from '@mlc/config';
import { keyRingFromEnv, type CredentialsEnv } from './keys.js';
import { createCredentialStore } from './store.js';

/** The store as a service reads it: `{ "store" }` references of its connections, cached `MLC_CREDENTIALS_CACHE_SECONDS`. */
export type StoreForService = SecretStore;

/** The credentials store the environment sets up (a master key given), or undefined when it gives none. */
export function secretStoreFromEnv(env: CredentialsEnv, db: Pick<pg.Pool, 'query'>): StoreForService | undefined {
  const keys = keyRingFromEnv(env);
  if (keys === undefined) return undefined;
  const store = createCredentialStore({ db, keys });
  return { read: (name) => store.read(name), cacheMs: env.MLC_CREDENTIALS_CACHE_SECONDS * 1000 };
}
