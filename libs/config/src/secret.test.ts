import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Secret, safeEqual } from './secret.js';

function source(initial: string, ttlMs = 1000) {
  const clock = { now: 0 };
  const state = { value: initial, reads: 0, fail: false };
  const secret = new Secret(initial, {
    ttlMs,
    now: () => clock.now,
    load: () => {
      state.reads++;
      if (state.fail) throw new Error('gone');
      return state.value;
    },
  });
  return { clock, state, secret };
}

test('a reloadable secret is read again once stale, and at once on refresh', async () => {
  const { clock, state, secret } = source('v1');
  state.value = 'v2';
  assert.equal(await secret.current(), 'v1', 'fresh: the value held');
  assert.equal(state.reads, 0);
  clock.now = 1000;
  assert.equal(await secret.current(), 'v2');
  assert.equal(state.reads, 1);
  state.value = 'v3';
  assert.equal(await secret.refresh(), 'v3', 'refresh does not wait for the TTL');
  assert.equal(String(secret), '[secret]');
  assert.ok(!inspect(secret).includes('v3'));
});

test('reveal hands out the value held and reads a stale one in the background', async () => {
  const { clock, state, secret } = source('v1');
  state.value = 'v2';
  clock.now = 5000;
  assert.equal(secret.reveal(), 'v1');
  assert.equal(await secret.current(), 'v2', 'the background read has landed (or is shared)');
  assert.equal(state.reads, 1, 'one read, shared');
});

test('a source that cannot be read keeps the value held; concurrent refreshes share one read', async () => {
  const { state, secret } = source('v1');
  state.fail = true;
  assert.equal(await secret.refresh(), 'v1');
  state.fail = false;
  state.value = 'v2';
  const [a, b] = await Promise.all([secret.refresh(), secret.refresh()]);
  assert.deepEqual([a, b, state.reads], ['v2', 'v2', 2]);
});

test('a secret without a source is constant', async () => {
  const secret = new Secret('fixed');
  assert.equal(await secret.refresh(), 'fixed');
  assert.equal(await secret.current(), 'fixed');
});

test('safeEqual compares whole strings of any length', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('abcd', 'abc'), false);
  assert.equal(safeEqual('', ''), true);
  assert.equal(safeEqual('ü', 'u\u0308'), false, 'compared as UTF-8 bytes, not normalised');
});
