import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError, isMlcError } from '@mlc/errors';
import { createTokenProvider, type FetchedToken } from './token-provider.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('concurrent callers share one fetch', async () => {
  let fetches = 0;
  const pending = deferred<FetchedToken>();
  const provider = createTokenProvider({
    name: 'coupa',
    refreshBeforeSeconds: 60,
    fetchToken: () => {
      fetches += 1;
      return pending.promise;
    },
  });
  const callers = Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
  pending.resolve({ accessToken: 'a', expiresInSeconds: 86_400 });
  assert.deepEqual(await callers, ['a', 'a', 'a']);
  assert.equal(await provider.getToken(), 'a');
  assert.equal(fetches, 1);
});

test('refreshes refreshBeforeSeconds ahead of expiry, not earlier', async () => {
  let now = 0;
  let fetches = 0;
  const provider = createTokenProvider({
    name: 'ion',
    refreshBeforeSeconds: 300,
    now: () => now,
    fetchToken: async () => ({ accessToken: `t${++fetches}`, expiresInSeconds: 7200 }),
  });
  assert.equal(await provider.getToken(), 't1');
  now = (7200 - 300) * 1000 - 1;
  assert.equal(await provider.getToken(), 't1');
  now += 1;
  assert.equal(await provider.getToken(), 't2');
});

test('a short-lived token is refreshed at half its life at the latest', async () => {
  let now = 0;
  let fetches = 0;
  const provider = createTokenProvider({
    name: 'short',
    refreshBeforeSeconds: 300,
    now: () => now,
    fetchToken: async () => ({ accessToken: `t${++fetches}`, expiresInSeconds: 60 }),
  });
  assert.equal(await provider.getToken(), 't1');
  now = 29_999;
  assert.equal(await provider.getToken(), 't1');
  now = 30_000;
  assert.equal(await provider.getToken(), 't2');
});

test('invalidate drops only the token it names', async () => {
  let fetches = 0;
  const provider = createTokenProvider({
    name: 'coupa',
    refreshBeforeSeconds: 0,
    fetchToken: async () => ({ accessToken: `t${++fetches}`, expiresInSeconds: 3600 }),
  });
  const first = await provider.getToken();
  provider.invalidate(first);
  assert.equal(await provider.getToken(), 't2');
  provider.invalidate(first); // a late 401 on the old token
  assert.equal(await provider.getToken(), 't2');
  assert.equal(fetches, 2);
});

test('a failed early refresh falls back to the live token; a failed fetch without one throws with its code', async () => {
  let now = 0;
  let fail = false;
  const provider = createTokenProvider({
    name: 'ion',
    refreshBeforeSeconds: 300,
    now: () => now,
    fetchToken: async () => {
      if (fail) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return { accessToken: 'live', expiresInSeconds: 3600 };
    },
  });
  assert.equal(await provider.getToken(), 'live');
  fail = true;
  now = 3400 * 1000;
  assert.equal(await provider.getToken(), 'live');
  now = 3600 * 1000;
  await assert.rejects(provider.getToken(), (error) => isMlcError(error) && error.code === 'MLC_HTTP_CONNECTION' && error.context.tokenProvider === 'ion');
});

test('an unusable token is MLC_AUTH_FAILED', async () => {
  const provider = createTokenProvider({ name: 'x', refreshBeforeSeconds: 0, fetchToken: async () => ({ accessToken: '', expiresInSeconds: 10 }) });
  await assert.rejects(provider.getToken(), (error) => isMlcError(error) && error.code === 'MLC_AUTH_FAILED');
});

/** A provider whose fetches record whether they were asked to read the credentials again. */
function recordingProvider(fetch: (rereadCredentials: boolean, asked: boolean[]) => FetchedToken) {
  const asked: boolean[] = [];
  const provider = createTokenProvider({
    name: 'x',
    refreshBeforeSeconds: 0,
    fetchToken: async ({ rereadCredentials }) => {
      asked.push(rereadCredentials);
      return fetch(rereadCredentials, asked);
    },
  });
  return { provider, asked };
}

test('after a target refused the token, the next fetch reads the credentials again', async () => {
  const { provider, asked } = recordingProvider((_, asked) => ({ accessToken: `t${asked.length}`, expiresInSeconds: 3600 }));
  provider.invalidate(await provider.getToken());
  await provider.getToken();
  provider.invalidate('not-the-current-token');
  await provider.getToken();
  assert.deepEqual(asked, [false, true]);
});

test('a token endpoint refusing cached credentials is asked once more with credentials read again', async () => {
  const secret = { cached: 'old', source: 'new' };
  const { provider, asked } = recordingProvider((rereadCredentials) => {
    if (rereadCredentials) secret.cached = secret.source;
    if (secret.cached !== 'new') throw new MlcError('MLC_AUTH_FAILED', 'refused', { context: { status: 401 } });
    return { accessToken: 'fresh', expiresInSeconds: 3600 };
  });
  assert.equal(await provider.getToken(), 'fresh');
  assert.deepEqual(asked, [false, true]);

  // Refused again after reading them again: the credentials are wrong, not stale.
  secret.source = 'still-wrong';
  secret.cached = 'still-wrong';
  provider.invalidate('fresh');
  asked.length = 0;
  await assert.rejects(provider.getToken(), (e: MlcError) => e.code === 'MLC_AUTH_FAILED');
  assert.deepEqual(asked, [true]);
});
