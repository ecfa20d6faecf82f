// mlc-test-timeout: 420000
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { REPLAY_HEADERS, headerString } from '@mlc/kafka';
import { launchChromium, waitFor } from '@mlc/testing';
import { ADMIN_TOKEN, startConsoleWorld, type ConsoleWorld } from './console.js';

// The operator console in a real Chromium (Debian's, driven by playwright-core) against the real
// Kafka, registry and PostgreSQL, the audit service and the OIDC simulator (console.ts).

async function signInWithToken(page: Page, w: ConsoleWorld): Promise<void> {
  await page.goto(`${w.url}/`);
  await page.waitForURL(/\/login/);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
}

async function signInWithOidc(page: Page, w: ConsoleWorld, user: string): Promise<void> {
  await page.goto(`${w.url}/dlq`);
  await page.getByRole('link', { name: 'Sign in with your identity provider' }).click();
  // The provider's own sign-in page (another origin), then back through /auth/callback.
  await page.waitForURL((url) => url.toString().startsWith(w.idp.issuer));
  await page.getByRole('button', { name: new RegExp(user) }).click();
  await page.waitForURL(`${w.url}/dlq`);
}

test('operator console in Chromium: sign-in, trail both ways, DLQ redrive that lands, a reader cannot redrive', { timeout: 400_000 }, async (t) => {
  const w = await startConsoleWorld(t);
  const browser: Browser = await launchChromium();
  t.after(() => browser.close());

  await t.test('no anonymous access: a page sends the browser to sign in; a POST without a session is 401', async () => {
    const page = await browser.newPage();
    await page.goto(`${w.url}/trail`);
    assert.match(page.url(), /\/login\?returnTo=%2Ftrail/);
    const res = await page.request.post(`${w.url}/dlq/redrive`, { form: { ids: 'x', reason: 'y' }, maxRedirects: 0 });
    assert.equal(res.status(), 401);
    await page.getByLabel('Admin token').fill('not-the-token-not-the-token-not-the-token');
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.getByText('That token is not the admin token.').waitFor();
    await page.close();
  });

  await t.test('search a supplier by its number and see both directions of its trail, and its payload masked', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithToken(page, w);
    await page.getByRole('link', { name: 'Trail' }).click();
    await page.getByLabel('Supplier, PO or invoice number').fill(w.key);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: w.key, exact: true }).click();
    const timeline = page.locator('table.timeline');
    await timeline.waitFor();
    const text = await timeline.innerText();
    assert.match(text, /syspro → coupa/, 'the write to Coupa of the SYSPRO change');
    assert.match(text, /coupa → syspro/, 'the write to SYSPRO of the Coupa change');
    assert.match(text, /coupa-writer · created/);
    assert.match(text, /syspro-writer · updated/);
    // The Coupa event's payload: bank details masked.
    await page.locator('tr.kind-event', { hasText: 'coupa' }).getByRole('link', { name: 'payload' }).click();
    const payload = await page.locator('pre.payload').innerText();
    assert.match(payload, /Two Way Ltd/);
    assert.doesNotMatch(payload, /ZA00BANK0000111122223333|1234567890/);
    assert.match(payload, /\[redacted\]/);
    await context.close();
  });

  await t.test('a read-only user (OIDC) sees no redrive button, and the server answers 403 to a redrive', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithOidc(page, w, 'Rory Reader');
    await page.getByText('Rory Reader · reader').waitFor();
    await page.locator('table tbody tr', { hasText: 'MLC_VENDOR_REJECTED' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Redrive/ }).count(), 0);
    assert.equal(await page.getByRole('checkbox').count(), 0);
    const id = await page.locator('table tbody tr td a').first().innerText();
    // With the reader's own session and CSRF token: refused by role, not by CSRF.
    const csrf = await page.locator('form.who input[name="_csrf"]').inputValue();
    const res = await page.request.post(`${w.url}/dlq/redrive`, { form: { _csrf: csrf, ids: id, reason: 'reader tries' }, maxRedirects: 0 });
    assert.equal(res.status(), 403);
    assert.equal(await w.h.count('audit_operator_actions'), 0, 'nothing was done');
    await context.close();
  });

  await t.test('a user in none of the groups is not let in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${w.url}/login`);
    await page.getByRole('link', { name: 'Sign in with your identity provider' }).click();
    await page.getByRole('button', { name: /Nora Nogroup/ }).click();
    await page.getByText(/Sign-in failed: nobody is in none of the console's groups/).waitFor();
    await context.close();
  });

  await t.test('an operator (OIDC) redrives the DLQ entry with a reason: it lands on its topic and the action is in the trail', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithOidc(page, w, 'Olivia Operator');
    await page.getByText('Olivia Operator · operator').waitFor();
    const before = await w.h.size(w.suppliersTopic);
    // A POST without the CSRF token is refused, session or not.
    const forged = await page.request.post(`${w.url}/dlq/redrive`, { form: { ids: 'coupa-writer.dlq.v1:0:0', reason: 'forged' }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);

    const row = page.locator('table tbody tr', { hasText: 'MLC_VENDOR_REJECTED' });
    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Redrive selected…' }).click();
    await page.getByLabel('Reason (kept in the trail)').fill('tax id fixed in Coupa');
    await page.getByRole('button', { name: 'Confirm redrive' }).click();
    await page.getByText(/1 entry redriven \(operator action #\d+\)/).waitFor();

    // Landed: the original record is on its source topic again, with the action's replay id.
    await waitFor(async () => (await w.h.size(w.suppliersTopic)) === before + 1, { message: 'the redriven record on its topic', timeoutMs: 60_000 });
    const { rows } = await w.h.pool.query<{ id: string; actor: string; reason: string }>(`select id::text, actor, reason from audit_operator_actions where kind = 'redrive'`);
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.actor, /Olivia Operator \(olivia\)/);
    assert.equal(rows[0]!.reason, 'tax id fixed in Coupa');
    const records = await w.h.read(w.suppliersTopic, before + 1);
    assert.ok(records.some((m) => headerString(m.headers, REPLAY_HEADERS.replayId) === rows[0]!.id));

    // The DLQ entry shows redriven, and its record's trail shows the action and the event again.
    await page.getByRole('link', { name: 'DLQ', exact: true }).click();
    await page.locator('table tbody tr', { hasText: 'redriven' }).waitFor();
    await page.locator('table tbody tr', { hasText: 'redriven' }).getByRole('link').first().click();
    await page.getByRole('link', { name: new RegExp(`supplier ${w.key}-DLQ`) }).click();
    await waitFor(
      async () => {
        await page.reload();
        const text = await page.locator('table.timeline').innerText();
        return /redrive · by Olivia Operator/.test(text) && /tax id fixed in Coupa/.test(text) && new RegExp(`replay #${rows[0]!.id}`).test(text);
      },
      { message: 'the redrive and the redriven event in the trail', timeoutMs: 60_000 },
    );
    await context.close();
  });

  await t.test('the replays page starts a forced re-apply and shows it done, with the past action', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithToken(page, w);
    await page.getByRole('link', { name: 'Replays' }).click();
    await page.getByLabel('Connection').fill(w.h.connection);
    await page.getByLabel('Entity').selectOption('supplier');
    await page.getByLabel('Keys (comma-separated)').fill(w.key);
    await page.getByLabel('Forced re-apply (writers write again)').check();
    await page.getByLabel('Reason').fill('Coupa lost the supplier');
    await page.getByRole('button', { name: 'Start replay' }).click();
    await waitFor(
      async () => {
        await page.reload();
        return /(\d+)\/\1 done · action #\d+/.test(await page.locator('ul.jobs').innerText());
      },
      { message: 'the replay done', timeoutMs: 60_000 },
    );
    const past = await page.locator('table').last().innerText();
    assert.match(past, /republish/);
    assert.match(past, /Coupa lost the supplier/);
    await context.close();
  });

  await t.test('the connections page shows the connection with its outcomes and DLQ depth', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithToken(page, w);
    const section = page.locator('section.connection', { hasText: w.h.connection });
    await section.waitFor();
    const text = await section.innerText();
    assert.match(text, /Outcomes\s+\d+ last hour · \d+ last day/);
    assert.equal(await section.locator('svg.chart rect').count() > 0, true, 'the chart has bars');
    await context.close();
  });
});
