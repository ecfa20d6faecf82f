import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '@mlc/db';
import { testInfra, uniqueIdentifier } from '@mlc/testing';

const ROOT = join(import.meta.dirname, '../../..');

// `mlc credentials` as an operator runs it, against a schema of its own (DATABASE_URL's search_path).
test('mlc credentials: set from stdin, rotate from a file, list without values, rewrap onto a new master key', async (t) => {
  const schema = uniqueIdentifier('mlc_creds');
  const admin = createPool(testInfra().databaseUrl, { max: 1 });
  await admin.query(`create schema ${schema}`);
  t.after(async () => {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  });
  const url = new URL(testInfra().databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const [oldKey, newKey] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
  const dir = mkdtempSync(join(tmpdir(), 'mlc-creds-'));

  async function mlc(args: string[], env: Record<string, string>, stdin?: string) {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'tools/mlc/src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url.toString(), USER: 'tester', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stdin.end(stdin ?? '');
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, out };
  }

  const first = await mlc(['credentials', 'set', 'acme-coupa'], { MLC_MASTER_KEY: oldKey, MLC_MASTER_KEY_ID: 'old' }, 'first-value-123\n');
  assert.equal(first.code, 0, first.out);
  assert.ok(!first.out.includes('first-value-123'));
  assert.equal((await mlc(['credentials', 'set', 'acme-coupa'], { MLC_MASTER_KEY: oldKey, MLC_MASTER_KEY_ID: 'old' }, 'x')).code, 2, 'set refuses an existing name');

  writeFileSync(join(dir, 'keys'), `new=${newKey}\nold=${oldKey}\n`);
  writeFileSync(join(dir, 'value'), 'second-value-456\n');
  const keysFile = { MLC_MASTER_KEYS_FILE: join(dir, 'keys') };
  const rotated = await mlc(['credentials', 'rotate', 'acme-coupa', '--from-file', join(dir, 'value'), '--json'], keysFile);
  assert.equal(rotated.code, 0, rotated.out);
  assert.deepEqual([JSON.parse(rotated.out).version, JSON.parse(rotated.out).masterKeyId], [2, 'new']);
  assert.equal((await mlc(['credentials', 'set', 'beta-coupa'], { MLC_MASTER_KEY: oldKey, MLC_MASTER_KEY_ID: 'old' }, 'beta-value-789')).code, 0);

  const listed = await mlc(['credentials', 'list'], keysFile);
  assert.equal(listed.code, 0, listed.out);
  assert.match(listed.out, /acme-coupa\s+2\s+new/);
  assert.match(listed.out, /beta-coupa\s+1\s+old/);
  assert.ok(!/value-\d/.test(listed.out), 'no value is listed');

  const rewrap = await mlc(['credentials', 'rewrap', '--json'], keysFile);
  assert.equal(rewrap.code, 0, rewrap.out);
  assert.deepEqual(JSON.parse(rewrap.out), { rewrapped: 1, masterKeyId: 'new', skipped: [] });
  const { rows } = await admin.query<{ name: string; master_key_id: string }>(`select name, master_key_id from ${schema}.mlc_credentials order by name`);
  assert.deepEqual(rows.map((r) => [r.name, r.master_key_id]), [['acme-coupa', 'new'], ['beta-coupa', 'new']]);

  assert.equal((await mlc(['credentials', 'list'], {})).code, 2, 'no master key: a configuration error');
});
