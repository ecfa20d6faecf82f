import type { TestContext } from 'node:test';
import type pg from 'pg';
import { createPool } from '@mlc/db';
import { testInfra, uniqueIdentifier } from '@mlc/testing';
import { auditDatabaseUrl, prepareAuditDatabase } from './database.js';

/**
 * A migrated audit schema of the test's own (tables and migration records), dropped after the
 * test; `url` points a service process at it.
 */
export async function auditSchema(t: Pick<TestContext, 'after'>): Promise<{ schema: string; url: string; pool: pg.Pool }> {
  const { databaseUrl } = testInfra();
  const schema = uniqueIdentifier('audit_test');
  const url = auditDatabaseUrl(databaseUrl, schema);
  const pool = createPool(url, { max: 4 });
  t.after(async () => {
    await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await pool.end();
  });
  await prepareAuditDatabase(pool, { schema });
  return { schema, url, pool };
}
