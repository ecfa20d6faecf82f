import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcSimulator } from '@mlc/sandbox';
import { createOidcClient, roleOf } from './oidc.js';
import { safeEqual } from '@mlc/config';

const mapping = { rolesClaim: 'groups', operatorGroups: ['ops'], readerGroups: ['readers'] };

test('roleOf: operator groups win, reader groups read, others are not let in; a string claim is split', () => {
  assert.equal(roleOf({ groups: ['readers', 'ops'] }, mapping), 'operator');
  assert.equal(roleOf({ groups: ['readers'] }, mapping), 'reader');
  assert.equal(roleOf({ groups: ['finance'] }, mapping), undefined);
  assert.equal(roleOf({}, mapping), undefined);
  assert.equal(roleOf({ groups: 'finance ops' }, mapping), 'operator');
  assert.equal(roleOf({ groups: ['finance'] }, { ...mapping, readerGroups: undefined }), 'reader', 'no reader groups: every signed-in user reads');
});

// The whole code flow with PKCE against the simulator, as a browser would follow the redirects.
async function signIn(settings: Parameters<typeof createOidcClient>[0], user: string, tamper: (u: URL) => void = () => undefined) {
  const client = createOidcClient(settings);
  const { url, pending } = await client.start('/dlq');
  const authorize = new URL(url);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  const form = new URLSearchParams(authorize.searchParams);
  form.set('login', user);
  const res = await fetch(`${authorize.origin}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const back = new URL(res.headers.get('location')!);
  tamper(back);
  return client.finish({ code: back.searchParams.get('code') ?? undefined, state: back.searchParams.get('state') ?? undefined, error: back.searchParams.get('error') ?? undefined }, pending, safeEqual);
}

test('the code flow with PKCE against the OIDC simulator: the id_token verified by JWKS gives the user and role; a wrong state or client secret fails', async (t) => {
  const redirect = 'http://127.0.0.1:1/auth/callback';
  const idp = await startOidcSimulator({
    users: [
      { sub: 'olivia', name: 'Olivia', groups: ['ops'] },
      { sub: 'nora', name: 'Nora', groups: ['finance'] },
    ],
    clients: [{ clientId: 'console', clientSecret: 'shh', redirectUris: [redirect] }],
  });
  t.after(() => idp.close());
  const settings = { issuer: idp.issuer, clientId: 'console', clientSecret: 'shh', redirectUrl: redirect, ...mapping, timeoutMs: 5000 };
  assert.deepEqual(await signIn(settings, 'olivia'), { sub: 'olivia', name: 'Olivia', role: 'operator' });
  await assert.rejects(signIn(settings, 'nora'), /nora is in none of the console's groups/);
  await assert.rejects(signIn(settings, 'olivia', (u) => u.searchParams.set('state', 'forged')), /state does not match/);
  await assert.rejects(signIn({ ...settings, clientSecret: 'wrong' }, 'olivia'), (e: Error & { context?: { status?: number } }) => /token endpoint answered 401/.test(e.message));
});
