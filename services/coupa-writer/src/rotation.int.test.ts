import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CREDENTIALS_MIGRATIONS, createCredentialStore, createKeyRing, masterKeyFrom } from '@mlc/credentials';
import { createPool, migrate } from '@mlc/db';
import { buildEvent } from '@mlc/events';
import { testInfra, uniqueName, waitFor } from '@mlc/testing';
import { harness } from './test-support.js';

// The product promise: a credential rotated while the writer works loses nothing. coupa-writer
// (its main.ts, as in production) reads its Coupa client secret from the credentials store; the
// secret is changed in the store and then in Coupa (which revokes the tokens of the old secret)
// while events flow. The writer meets 401s, reads the secret again and goes on: every supplier
// lands, none is dead-lettered.
test('a Coupa client secret rotated in the store and in Coupa under load: every record lands, none dead-lettered', async (t) => {
  const db = createPool(testInfra().databaseUrl, { max: 2 });
  await migrate(db, { component: 'credentials', dir: CREDENTIALS_MIGRATIONS });
  const material = randomBytes(32).toString('base64');
  const store = createCredentialStore({ db, keys: createKeyRing({ load: () => [masterKeyFrom(material, undefined, 'test')] }) });
  const name = uniqueName('coupa-client-secret');
  t.after(async () => {
    await db.query('delete from mlc_credentials where name = $1', [name]);
    await db.end();
  });

  const h = await harness(t, {
    clientSecret: () => ({ store: name }),
    env: { MLC_MASTER_KEY: material, MLC_CREDENTIALS_CACHE_SECONDS: '60' },
  });
  await store.put(name, h.sim.credentials.clientSecret, 'create');
  h.startWriter();

  const total = 120;
  const supplier = (i: number) => {
    const number = `ROT${String(i).padStart(4, '0')}`;
    return buildEvent({
      source: 'syspro',
      connection: h.connection,
      entity: 'supplier',
      key: number,
      data: { number, name: `Supplier ${i}`, status: 'active' },
      occurredAt: '2026-11-20T10:00:00Z',
      observedAt: '2026-11-20T10:00:00Z',
      correlationId: uniqueName('corr'),
    });
  };
  const landed = async () => (await h.state<{ number: string }>('suppliers')).filter((s) => s.number.startsWith('ROT')).length;

  const half = total / 2;
  const first = Array.from({ length: half }, (_, i) => supplier(i));
  await h.publish(first);
  // Mid-flow: some written, more waiting on the topic.
  await waitFor(async () => (await landed()) >= 10 || undefined, { timeoutMs: 90_000, message: 'the writer at work' });

  const rotated = `rotated-${randomBytes(16).toString('hex')}`;
  await store.put(name, rotated, 'replace');
  const res = await fetch(`${h.sim.url}/_sandbox/clients/${h.sim.credentials.clientId}/secret`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientSecret: rotated }),
  });
  assert.equal(res.status, 200);
  await h.publish(Array.from({ length: total - half }, (_, i) => supplier(half + i)));

  await waitFor(async () => ((await landed()) === total ? true : undefined), { timeoutMs: 180_000, message: `all ${total} suppliers in Coupa` });
  assert.deepEqual(await h.dlq(), [], 'nothing dead-lettered');
  const tokens = await h.state<{ clientId: string; revoked: boolean }>('tokens');
  assert.ok(tokens.some((tk) => tk.revoked), 'the old secret’s token was revoked under the writer');
  assert.ok(tokens.some((tk) => !tk.revoked), 'the writer got a token with the rotated secret');
  // The cache (60 s) had not run out: the rotated secret was read because Coupa refused the old one.
  const refused = ((await (await fetch(`${h.sim.url}/_sandbox/requests?path=/api`)).json()) as Array<{ status?: number }>).some((r) => r.status === 401);
  assert.ok(refused, 'the writer met a 401 and recovered from it');
});
