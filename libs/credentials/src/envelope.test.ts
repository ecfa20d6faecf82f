import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MlcError } from '@mlc/errors';
import { deriveKeyId, masterKeyFrom, open, parseMasterKeys, rewrap, seal, type MasterKey } from './envelope.js';

const key = (id?: string): MasterKey => masterKeyFrom(randomBytes(32).toString('base64'), id, 'test');
const ring = (...keys: MasterKey[]) => (id: string) => keys.find((k) => k.id === id);
const code = (fn: () => unknown): [string, unknown] => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MlcError);
    return [error.code, error.context.reason];
  }
  return assert.fail('expected an error');
};

test('round trip: a sealed value opens under its name and version, and is not in the ciphertext', () => {
  const master = key();
  const identity = { name: 'acme-coupa', version: 3 };
  const sealed = seal(identity, 'client-secret-ä-1', master);
  assert.equal(sealed.masterKeyId, master.id);
  assert.equal(open(identity, sealed, ring(master)), 'client-secret-ä-1');
  assert.ok(!sealed.ciphertext.includes(Buffer.from('client-secret')));
  const again = seal(identity, 'client-secret-ä-1', master);
  assert.notDeepEqual(again.ciphertext, sealed.ciphertext, 'fresh data key and IV every time');
});

test('a master key the process was not given: MLC_CONFIG_INVALID naming the key id', () => {
  const sealed = seal({ name: 'n', version: 1 }, 'v', key('old'));
  assert.deepEqual(code(() => open({ name: 'n', version: 1 }, sealed, ring(key('new')))), ['MLC_CONFIG_INVALID', 'unknown-master-key']);
});

test('the right id on the wrong key material does not open', () => {
  const sealed = seal({ name: 'n', version: 1 }, 'v', key('k1'));
  assert.deepEqual(code(() => open({ name: 'n', version: 1 }, sealed, ring(key('k1')))), ['MLC_DECODE_FAILED', 'not-authentic']);
});

test('a tampered ciphertext, wrapped key or key id is refused', () => {
  const master = key();
  const identity = { name: 'n', version: 1 };
  const sealed = seal(identity, 'value', master);
  const flip = (b: Buffer, at: number) => {
    const copy = Buffer.from(b);
    copy[at] = copy[at]! ^ 1;
    return copy;
  };
  assert.deepEqual(code(() => open(identity, { ...sealed, ciphertext: flip(sealed.ciphertext, sealed.ciphertext.length - 1) }, ring(master))), ['MLC_DECODE_FAILED', 'not-authentic']);
  assert.deepEqual(code(() => open(identity, { ...sealed, ciphertext: flip(sealed.ciphertext, 5) }, ring(master))), ['MLC_DECODE_FAILED', 'not-authentic']);
  assert.deepEqual(code(() => open(identity, { ...sealed, wrappedKey: flip(sealed.wrappedKey, 20) }, ring(master))), ['MLC_DECODE_FAILED', 'not-authentic']);
  assert.deepEqual(code(() => open(identity, { ...sealed, dataKeyId: 'ffffffffffffffff' }, ring(master))), ['MLC_DECODE_FAILED', 'not-authentic']);
  assert.deepEqual(code(() => open(identity, { ...sealed, ciphertext: flip(sealed.ciphertext, 0) }, ring(master))), ['MLC_DECODE_FAILED', 'bad-format']);
});

test('a ciphertext moved to another name or version (AAD) is refused', () => {
  const master = key();
  const sealed = seal({ name: 'acme-coupa', version: 1 }, 'acme secret', master);
  assert.deepEqual(code(() => open({ name: 'beta-coupa', version: 1 }, sealed, ring(master))), ['MLC_DECODE_FAILED', 'not-authentic']);
  assert.deepEqual(code(() => open({ name: 'acme-coupa', version: 2 }, sealed, ring(master))), ['MLC_DECODE_FAILED', 'not-authentic']);
  // Only the value's ciphertext moved, beside the other name's own data key: still refused.
  const other = seal({ name: 'beta-coupa', version: 1 }, 'beta secret', master);
  assert.deepEqual(code(() => open({ name: 'beta-coupa', version: 1 }, { ...other, ciphertext: sealed.ciphertext }, ring(master))), ['MLC_DECODE_FAILED', 'not-authentic']);
});

test('rewrap moves the data key to the new master key and keeps the value; the old key is then not needed', () => {
  const [old, current] = [key('old'), key('new')];
  const identity = { name: 'n', version: 7 };
  const sealed = seal(identity, 'kept', old);
  const moved = rewrap(identity, sealed, ring(old), current);
  assert.equal(moved.masterKeyId, 'new');
  assert.deepEqual(moved.ciphertext, sealed.ciphertext, 'the value is not re-encrypted');
  assert.equal(open(identity, moved, ring(current)), 'kept');
  assert.deepEqual(code(() => open(identity, sealed, ring(current))), ['MLC_CONFIG_INVALID', 'unknown-master-key']);
});

test('master keys: derived ids are stable, bad keys and duplicate ids refused, keys files parsed current first', () => {
  const material = randomBytes(32).toString('base64');
  assert.equal(masterKeyFrom(material, undefined, 't').id, deriveKeyId(Buffer.from(material, 'base64')));
  assert.match(deriveKeyId(Buffer.alloc(32)), /^mk-[0-9a-f]{16}$/);
  assert.deepEqual(code(() => masterKeyFrom(randomBytes(16).toString('base64'), undefined, 't')), ['MLC_CONFIG_INVALID', 'bad-master-key']);
  assert.deepEqual(code(() => masterKeyFrom('not base64 at all!', undefined, 't')), ['MLC_CONFIG_INVALID', 'bad-master-key']);
  const other = randomBytes(32).toString('base64');
  const keys = parseMasterKeys(`# rotation\n2026-12=${other}\n\n${material}\n`, 'file');
  assert.deepEqual(keys.map((k) => k.id), ['2026-12', deriveKeyId(Buffer.from(material, 'base64'))]);
  assert.deepEqual(code(() => parseMasterKeys(`a=${material}\na=${other}`, 'file')), ['MLC_CONFIG_INVALID', 'duplicate-master-key']);
  assert.deepEqual(code(() => parseMasterKeys('# nothing\n', 'file')), ['MLC_CONFIG_INVALID', 'no-master-key']);
});
