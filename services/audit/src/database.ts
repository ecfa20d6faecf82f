import type pg from 'pg';
import { migrate } from '@mlc/db';
import { toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import { AUDIT_MIGRATIONS } from './store.js';

/**
 * `databaseUrl` with its sessions' search_path set to `schema`, so the audit tables (and their
 * migration records) live in that schema: one deployment's log beside another's in one database,
 * and one per integration test. Unchanged without a schema.
 */
export function auditDatabaseUrl(databaseUrl: string, schema: string | undefined): string {
  if (schema === undefined) return databaseUrl;
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Creates the schema if one is given, then applies the audit migrations (safe with concurrent replicas). */
export async function prepareAuditDatabase(pool: pg.Pool, { schema, logger }: { schema?: string | undefined; logger?: Pick<Logger, 'info'> }): Promise<void> {
  if (schema !== undefined) {
    await pool.query(`create schema if not exists ${schema}`).catch((error: unknown) => {
      // Replicas starting together race on the schema's catalog row; the loser finds it there.
      if ((error as { code?: unknown }).code !== '23505') throw toMlcError(error, { call: 'create audit schema', schema });
    });
  }
  await migrate(pool, { component: 'audit', dir: AUDIT_MIGRATIONS, ...(logger === undefined ? {} : { logger }) });
}
