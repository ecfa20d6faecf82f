import pg from 'pg';
import { testInfra } from './infra.js';
import { uniqueIdentifier } from './names.js';

/**
 * The test database's URL on a fresh schema of its own (`search_path` set per connection), so a
 * test migrates and writes its tables without meeting another run's. The schema and everything in
 * it is dropped when the test ends; end the pools made on it in the test's own `after`.
 */
export async function isolatedSchemaUrl(t: { after: (fn: () => Promise<void>) => void }, prefix: string, databaseUrl = testInfra().databaseUrl): Promise<string> {
  const schema = uniqueIdentifier(prefix);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  t.after(async () => {
    const dropper = new pg.Client({ connectionString: databaseUrl });
    await dropper.connect();
    try {
      await dropper.query(`drop schema ${schema} cascade`);
    } finally {
      await dropper.end();
    }
  });
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}
