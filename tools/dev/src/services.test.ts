import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlcError } from '@mlc/errors';
import { discoverServices, planServices } from './services.js';

test('services are the folders with a src/main.ts', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'mlc-dev-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const [name, main] of [['b-writer', true], ['a-poller', true], ['empty', false]] as const) {
    await mkdir(join(root, 'services', name, 'src'), { recursive: true });
    if (main) await writeFile(join(root, 'services', name, 'src', 'main.ts'), '');
  }
  await writeFile(join(root, 'services', 'README.md'), '');
  assert.deepEqual(discoverServices(root), ['a-poller', 'b-writer']);
});

test('a service keeps its port with --only', () => {
  const discovered = ['coupa-gateway', 'coupa-writer', 'syspro-poller'];
  const all = planServices({ discovered, basePort: 8081 });
  assert.deepEqual(
    all.map((s) => [s.name, s.port, s.main]),
    [
      ['coupa-gateway', 8081, 'services/coupa-gateway/src/main.ts'],
      ['coupa-writer', 8082, 'services/coupa-writer/src/main.ts'],
      ['syspro-poller', 8083, 'services/syspro-poller/src/main.ts'],
    ],
  );
  assert.deepEqual(planServices({ discovered, only: ['syspro-poller'], basePort: 8081 }), [all[2]]);
});

test('an unknown --only name is MLC_CONFIG_INVALID', () => {
  assert.throws(
    () => planServices({ discovered: ['coupa-writer'], only: ['coupa-writer', 'audit'], basePort: 8081 }),
    (error: unknown) => error instanceof MlcError && error.code === 'MLC_CONFIG_INVALID' && (error.context.unknown as string[])[0] === 'audit',
  );
});
