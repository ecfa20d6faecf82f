import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSession, parseCookies, readSession, serializeCookie, sign, unsign } from './session.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const now = new Date('2026-11-29T12:00:00Z');

test('a signed session reads back until it expires; a changed byte or another secret reads as none', () => {
  const session = newSession({ sub: 'olivia', name: 'Olivia', role: 'operator' }, 3600, now);
  const cookie = sign(SECRET, session);
  assert.deepEqual(readSession(SECRET, cookie, now), session);
  assert.equal(readSession(SECRET, cookie, new Date(now.getTime() + 3_600_000)), undefined, 'expired');
  assert.equal(readSession('another-secret-of-at-least-32-characters', cookie, now), undefined);
  // The role raised in the payload, the old signature kept: refused.
  const [payload, mac] = cookie.split('.');
  const forged = Buffer.from(JSON.stringify({ ...session, role: 'operator', sub: 'rory' })).toString('base64url');
  assert.notEqual(forged, payload);
  assert.equal(readSession(SECRET, `${forged}.${mac}`, now), undefined);
  assert.equal(unsign(SECRET, undefined), undefined);
  assert.equal(unsign(SECRET, 'no-dot'), undefined);
});

test('every session has its own CSRF token', () => {
  const a = newSession({ sub: 'a', name: 'A', role: 'reader' }, 60, now);
  const b = newSession({ sub: 'a', name: 'A', role: 'reader' }, 60, now);
  assert.notEqual(a.csrf, b.csrf);
  assert.ok(a.csrf.length >= 32);
});

test('cookies: HttpOnly and SameSite=Lax always, Secure when configured; parsed back by name', () => {
  assert.equal(serializeCookie('s', 'a b', { secure: true, maxAgeSeconds: 60 }), 's=a%20b; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure');
  assert.doesNotMatch(serializeCookie('s', 'x', { secure: false, maxAgeSeconds: 0 }), /Secure/);
  const cookies = parseCookies('a=1; s=a%20b; a=2; broken; bad=%E0%A4%A');
  assert.equal(cookies.get('a'), '1');
  assert.equal(cookies.get('s'), 'a b');
  assert.equal(cookies.has('bad'), false);
});
