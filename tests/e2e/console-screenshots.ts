import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPool, migrate } from '@mlc/db';
import { launchChromium, testInfra } from '@mlc/testing';
import { TARGET_RECORDS_MIGRATIONS } from '@mlc/writer';
import { ADMIN_TOKEN, startConsoleWorld } from './console.js';

// `npm run console:screenshots` (with the stack's addresses loaded): the console's pages as PNGs
// in docs/console/, from the same world and the same Chromium as the browser tests. The connections
// page shows every connection in the database: point DATABASE_URL at a database of its own (the
// README's pictures come from an empty one) and the writers' tables are made here, as a writer would.

const pool = createPool(testInfra().databaseUrl, { max: 1 });
await migrate(pool, { component: 'writer', dir: TARGET_RECORDS_MIGRATIONS });
await pool.end();

const OUT = resolve(import.meta.dirname, '../../docs/console');
const cleanups: (() => Promise<void> | void)[] = [];
const world = await startConsoleWorld({ after: (fn: () => Promise<void> | void) => void cleanups.push(fn) } as never);
const browser = await launchChromium();
try {
  mkdirSync(OUT, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  // The connections page lists every connection of the shared database: its first screen only.
  const shot = async (name: string, fullPage = true) => {
    await page.screenshot({ path: `${OUT}/${name}.png`, fullPage });
    console.log(`docs/console/${name}.png`);
  };
  await page.goto(`${world.url}/login`);
  await shot('sign-in');
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.locator('section.connection').first().waitFor();
  await shot('connections', false);
  await page.goto(`${world.url}/trail?q=${encodeURIComponent(world.key)}`);
  await page.getByRole('link', { name: world.key, exact: true }).click();
  await page.locator('table.timeline').waitFor();
  await shot('trail');
  await page.locator('tr.kind-event', { hasText: 'coupa' }).getByRole('link', { name: 'payload' }).click();
  await shot('event-payload');
  await page.goto(`${world.url}/dlq`);
  await shot('dlq');
  await page.locator('table tbody tr td a').first().click();
  await shot('dlq-entry');
  await page.goto(`${world.url}/dlq`);
  await page.getByRole('checkbox').nth(1).check();
  await page.getByRole('button', { name: 'Redrive selected…' }).click();
  await page.getByLabel('Reason (kept in the trail)').fill('tax id fixed in Coupa');
  await shot('dlq-confirm');
  await page.getByRole('button', { name: 'Confirm redrive' }).click();
  await page.goto(`${world.url}/replays`);
  await page.getByLabel('Connection').fill(world.h.connection);
  await page.getByLabel('Keys (comma-separated)').fill(world.key);
  await page.getByLabel('Reason').fill('Coupa lost the supplier');
  await page.getByRole('button', { name: 'Start replay' }).click();
  await page.waitForTimeout(1500);
  await page.reload();
  await shot('replays');
} finally {
  await browser.close();
  for (const fn of cleanups.reverse()) await fn();
}
