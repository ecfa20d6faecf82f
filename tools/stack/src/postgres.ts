import pg from 'pg';

const DUPLICATE_DATABASE = '42P04';

/**
 * Creates the database `databaseUrl` names if it is missing (through the `postgres` database of
 * the same server) and checks it answers `select 1`.
 */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('MLC_STACK_DATABASE_URL names no database');
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';

  let created = false;
  const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      try {
        await admin.query(`create database ${pg.escapeIdentifier(name)}`);
        created = true;
      } catch (error) {
        // Another `up` (or a test) created it between our check and our create.
        if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
      }
    }
  } finally {
    await admin.end();
  }

  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query('select 1');
  } finally {
    await client.end();
  }
  return { created };
}

/** Host and port of a database URL, without user or password, for messages. */
export function describeDatabase(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

export async function databaseReachable(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
