import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MlcError } from '@mlc/errors';
import { deriveKeyId } from './envelope.js';
import { CredentialsEnv, createKeyRing, keyRingFromEnv } from './keys.js';

const b64 = () => randomBytes(32).toString('base64');
const env = (values: Record<string, string>) => CredentialsEnv.parse(values);

test('no master key: no store; one of the three ways: a ring with its id', () => {
  assert.equal(keyRingFromEnv(env({})), undefined);
  const key = b64();
  assert.deepEqual(keyRingFromEnv(env({ MLC_MASTER_KEY: key }))?.ids(), [deriveKeyId(Buffer.from(key, 'base64'))]);
  assert.deepEqual(keyRingFromEnv(env({ MLC_MASTER_KEY: key, MLC_MASTER_KEY_ID: 'k-2026' }))?.ids(), ['k-2026']);
  const dir = mkdtempSync(join(tmpdir(), 'mlc-keys-'));
  writeFileSync(join(dir, 'key'), `${key}\n`);
  assert.deepEqual(keyRingFromEnv(env({ MLC_MASTER_KEY_FILE: join(dir, 'key'), MLC_MASTER_KEY_ID: 'k' }))?.ids(), ['k']);
  writeFileSync(join(dir, 'keys'), `new=${b64()}\nold=${key}\n`);
  assert.deepEqual(keyRingFromEnv(env({ MLC_MASTER_KEYS_FILE: join(dir, 'keys') }))?.ids(), ['new', 'old']);
});

test('conflicting or unreadable master key settings are configuration errors', () => {
  const cases: Record<string, string>[] = [{ MLC_MASTER_KEY: b64(), MLC_MASTER_KEY_FILE: '/x' }, { MLC_MASTER_KEY_ID: 'k' }, { MLC_MASTER_KEY_FILE: '/nonexistent/key' }, { MLC_MASTER_KEYS_FILE: '/x', MLC_MASTER_KEY_ID: 'k' }];
  for (const values of cases) {
    assert.throws(() => keyRingFromEnv(env(values)), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID', JSON.stringify(Object.keys(values)));
  }
});

test('the ring reads its keys again for an id it does not know, at most once per interval', () => {
  const clock = { now: 0 };
  let keys = [{ id: 'a', key: randomBytes(32) }];
  let loads = 0;
  const ring = createKeyRing({ load: () => (loads++, keys), reloadIntervalMs: 1000, now: () => clock.now });
  keys = [{ id: 'b', key: randomBytes(32) }, ...keys];
  assert.equal(ring.find('b'), undefined, 'within the interval: no reload');
  clock.now = 1000;
  assert.equal(ring.find('b')?.id, 'b');
  assert.equal(ring.current().id, 'b');
  assert.equal(loads, 2);
});
