import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CredentialInfo, CredentialStore } from '@mlc/credentials';
import type { MlcError } from '@mlc/errors';
import { formatCredentials, formatRewrap, putCredential, secretValueOf, type CredentialsDeps } from './credentials.js';

const at = (iso: string) => new Date(iso);

function fakeDeps(input: string): CredentialsDeps & { puts: Array<[string, string, string, string | undefined]> } {
  const puts: Array<[string, string, string, string | undefined]> = [];
  const store: CredentialStore = {
    put: (name, value, mode, actor) => {
      puts.push([name, value, mode, actor]);
      return Promise.resolve({ name, version: 1, masterKeyId: 'mk-1', createdAt: at('2026-11-26T00:00:00Z'), updatedAt: at('2026-11-26T00:00:00Z'), updatedBy: actor ?? '' });
    },
    read: () => Promise.resolve(undefined),
    list: () => Promise.resolve([]),
    rewrap: () => Promise.resolve({ rewrapped: 0, masterKeyId: 'mk-1', skipped: [] }),
  };
  return { puts, credentials: () => Promise.resolve(store), readSecretValue: () => Promise.resolve(input), now: () => at('2026-11-28T12:00:00Z') };
}

test('the value read is trimmed (echo, editors add newlines) and an empty one refused', async () => {
  const deps = fakeDeps('s3cret-value\n');
  await putCredential(deps, { credential: 'acme-coupa', mode: 'replace', actor: 'ops' });
  assert.deepEqual(deps.puts, [['acme-coupa', 's3cret-value', 'replace', 'ops']]);
  assert.throws(() => secretValueOf(' \n'), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID');
  await assert.rejects(putCredential(fakeDeps('\n'), { credential: 'x', mode: 'create', actor: 'ops' }), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID');
});

test('list shows names, versions, key ids and ages; rewrap names what it could not move', () => {
  const list: CredentialInfo[] = [{ name: 'acme-coupa', version: 3, masterKeyId: 'mk-1', createdAt: at('2026-10-01T00:00:00Z'), updatedAt: at('2026-11-28T09:00:00Z'), updatedBy: 'ops' }];
  const text = formatCredentials(list, at('2026-11-28T12:00:00Z'));
  assert.match(text, /acme-coupa\s+3\s+mk-1\s+3h\s+58d\s+ops/);
  assert.equal(formatCredentials([], new Date()), 'no stored credentials');
  assert.match(formatRewrap({ rewrapped: 2, masterKeyId: 'mk-2', skipped: [{ name: 'x', masterKeyId: 'mk-0' }] }), /re-wrapped 2 data keys under master key mk-2\n.*x \(master key mk-0/);
});
