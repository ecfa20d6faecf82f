import type pg from 'pg';
import { MlcError, toMlcError } from '@mlc/errors';
import { open, rewrap as rewrapSealed, seal, type SealedSecret } from './envelope.js';
import type { KeyRing } from './keys.js';

/** The folder of the store's migrations (component `credentials`). */
export const CREDENTIALS_MIGRATIONS = new URL('../migrations/', import.meta.url);

/** Names as connections refer to them: `{ "store": "acme-coupa-client-secret" }`. */
export const CREDENTIAL_NAME = /^[a-z0-9][a-z0-9._/-]{0,127}$/;

/** What `list` shows of a secret: never its value. */
export interface CredentialInfo {
  name: string;
  version: number;
  masterKeyId: string;
  createdAt: Date;
  updatedAt: Date;
  /** Who set or last rotated it. */
  updatedBy: string;
}

export interface RewrapResult {
  rewrapped: number;
  masterKeyId: string;
  skipped: Array<{ name: string; masterKeyId: string }>;
}

export interface CredentialStore {
  /**
   * Stores a value: `create` refuses a name that exists, `replace` (a rotation) one that does not;
   * either way MLC_CONFIG_INVALID with `context.reason` and nothing changed.
   */
  put(name: string, value: string, mode: 'create' | 'replace', actor?: string): Promise<CredentialInfo>;
  /** The current value, or undefined when there is no such secret (or no store table yet). */
  read(name: string): Promise<string | undefined>;
  list(): Promise<CredentialInfo[]>;
  /**
   * Re-wraps every data key not under the current master key (values untouched): how many it
   * moved, and the secrets it could not because this process was not given their master key.
   */
  rewrap(): Promise<RewrapResult>;
}

export interface CreateCredentialStoreParams {
  db: Pick<pg.Pool, 'query'>;
  keys: KeyRing;
}

interface Row {
  name: string;
  version: number;
  data_key_id: string;
  master_key_id: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

const info = (row: Pick<Row, 'name' | 'version' | 'master_key_id' | 'created_at' | 'updated_at' | 'updated_by'>): CredentialInfo => ({
  name: row.name,
  version: row.version,
  masterKeyId: row.master_key_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

const sealedOf = (row: Row): SealedSecret => ({ dataKeyId: row.data_key_id, masterKeyId: row.master_key_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext });

function checkName(name: string): void {
  if (!CREDENTIAL_NAME.test(name)) {
    throw new MlcError('MLC_CONFIG_INVALID', `credential name ${JSON.stringify(name)}: use lower-case letters, digits, '.', '_', '/' and '-' (<= 128)`, {
      context: { name, reason: 'bad-name' },
    });
  }
}

async function query<R extends pg.QueryResultRow>(db: CreateCredentialStoreParams['db'], sql: string, values: unknown[], call: string): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(sql, values);
  } catch (error) {
    throw toMlcError(error, { call });
  }
}

/** The credentials store on `mlc_credentials` (see migrations/): envelope encryption with the ring's master keys. */
export function createCredentialStore({ db, keys }: CreateCredentialStoreParams): CredentialStore {
  return {
    async put(name, value, mode, actor = '') {
      checkName(name);
      if (value === '') throw new MlcError('MLC_CONFIG_INVALID', `credential ${name}: the value is empty`, { context: { name, reason: 'empty-value' } });
      const master = keys.current();
      if (mode === 'create') {
        const sealed = seal({ name, version: 1 }, value, master);
        const { rows } = await query<Row>(
          db,
          `insert into mlc_credentials (name, version, data_key_id, master_key_id, wrapped_key, ciphertext, updated_by)
           values ($1, 1, $2, $3, $4, $5, $6) on conflict (name) do nothing returning *`,
          [name, sealed.dataKeyId, sealed.masterKeyId, sealed.wrappedKey, sealed.ciphertext, actor],
          'credentials.create',
        );
        if (rows[0] === undefined) throw new MlcError('MLC_CONFIG_INVALID', `credential ${name} exists: rotate it instead`, { context: { name, reason: 'exists' } });
        return info(rows[0]);
      }
      // The version is part of the AAD, so it is fixed before sealing; a concurrent rotation makes
      // the update find another version, and this one is retried on the new one.
      for (;;) {
        const { rows: current } = await query<Pick<Row, 'version'>>(db, 'select version from mlc_credentials where name = $1', [name], 'credentials.version');
        if (current[0] === undefined) throw new MlcError('MLC_CONFIG_INVALID', `no credential ${name} to rotate: set it first`, { context: { name, reason: 'not-found' } });
        const version = current[0].version + 1;
        const sealed = seal({ name, version }, value, master);
        const { rows } = await query<Row>(
          db,
          `update mlc_credentials set version = $2, data_key_id = $3, master_key_id = $4, wrapped_key = $5, ciphertext = $6, updated_at = now(), updated_by = $7
           where name = $1 and version = $2 - 1 returning *`,
          [name, version, sealed.dataKeyId, sealed.masterKeyId, sealed.wrappedKey, sealed.ciphertext, actor],
          'credentials.rotate',
        );
        if (rows[0] !== undefined) return info(rows[0]);
      }
    },

    async read(name) {
      let rows: Row[];
      try {
        ({ rows } = await query<Row>(db, 'select * from mlc_credentials where name = $1', [name], 'credentials.read'));
      } catch (error) {
        // No table: nothing was ever stored (mlc creates it with the first secret).
        if (error instanceof MlcError && error.context.sqlState === '42P01') return undefined;
        throw error;
      }
      const row = rows[0];
      return row === undefined ? undefined : open({ name: row.name, version: row.version }, sealedOf(row), keys.find);
    },

    async list() {
      const { rows } = await query<Row>(db, 'select name, version, master_key_id, created_at, updated_at, updated_by from mlc_credentials order by name', [], 'credentials.list');
      return rows.map(info);
    },

    async rewrap() {
      const to = keys.current();
      const { rows } = await query<Row>(db, 'select * from mlc_credentials where master_key_id <> $1 order by name', [to.id], 'credentials.rewrap.select');
      let rewrapped = 0;
      const skipped: RewrapResult['skipped'] = [];
      for (const row of rows) {
        if (keys.find(row.master_key_id) === undefined) {
          skipped.push({ name: row.name, masterKeyId: row.master_key_id });
          continue;
        }
        const moved = rewrapSealed({ name: row.name, version: row.version }, sealedOf(row), keys.find, to);
        // Only the row as read: a rotation in between already sealed it under the current key.
        const { rowCount } = await query(
          db,
          'update mlc_credentials set master_key_id = $3, wrapped_key = $4 where name = $1 and version = $2 and master_key_id = $5',
          [row.name, row.version, moved.masterKeyId, moved.wrappedKey, row.master_key_id],
          'credentials.rewrap.update',
        );
        rewrapped += rowCount ?? 0;
      }
      return { rewrapped, masterKeyId: to.id, skipped };
    },
  };
}
