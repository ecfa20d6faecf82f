import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error plain JavaScript without types: the bootstrap runs before anything is installed
import { entryArgs, installPlan } from './bootstrap.mjs';

const repoRoot = resolve(import.meta.dirname, '../..');
const bootstrap = join(repoRoot, 'tools/scripts/bootstrap.mjs');

test('installPlan: npm ci when node_modules is missing, stale or incomplete; npm install without a lock file', () => {
  const fresh = { lockMtime: 100, nodeModules: true, installedLockMtime: 200, missing: [] };
  assert.equal(installPlan(fresh), undefined);
  assert.deepEqual(installPlan({ ...fresh, nodeModules: false, installedLockMtime: undefined }), { command: ['ci'], reason: 'no node_modules' });
  assert.deepEqual(installPlan({ ...fresh, installedLockMtime: undefined }).command, ['ci']);
  assert.deepEqual(installPlan({ ...fresh, lockMtime: 300 }), { command: ['ci'], reason: 'package-lock.json changed since the last install' });
  assert.deepEqual(installPlan({ ...fresh, missing: ['tsx', 'a', 'b', 'c'] }), { command: ['ci'], reason: 'tsx, a, b and 1 more not installed' });
  assert.deepEqual(installPlan({ ...fresh, lockMtime: undefined, nodeModules: false }), { command: ['install'], reason: 'no node_modules' });
  assert.equal(installPlan({ ...fresh, lockMtime: undefined }), undefined);
});

test('entryArgs: TypeScript from source through tsx, JavaScript as it is', () => {
  assert.deepEqual(entryArgs('tools/dev/src/cli.ts', ['--only', 'audit']), ['--conditions=source', '--import', 'tsx', 'tools/dev/src/cli.ts', '--only', 'audit']);
  assert.deepEqual(entryArgs('tools/scripts/test.mjs', ['--unit']), ['tools/scripts/test.mjs', '--unit']);
});

test('a fresh clone of this repository: the bootstrap sees that npm ci is needed', (t) => {
  if (spawnSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD']).status !== 0) return t.skip('not a git checkout');
  const dir = mkdtempSync(join(tmpdir(), 'mlc-clone-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clone = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, join(dir, 'repo')], { encoding: 'utf8' });
  assert.equal(clone.status, 0, clone.stderr);
  // The committed package.json: both README commands go through the bootstrap, with `exec` (so
  // a signal to npm reaches node, not a shell that would leave the entry behind).
  const scripts = JSON.parse(spawnSync('git', ['-C', join(dir, 'repo'), 'show', 'HEAD:package.json'], { encoding: 'utf8' }).stdout).scripts;
  assert.equal(scripts.start, 'exec node tools/scripts/bootstrap.mjs tools/dev/src/cli.ts');
  assert.equal(scripts.test, 'exec node tools/scripts/bootstrap.mjs tools/scripts/test.mjs');
  const check = spawnSync(process.execPath, ['tools/scripts/bootstrap.mjs', '--check'], { cwd: join(dir, 'repo'), encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(check.stdout.trim(), 'install: npm ci (no node_modules)');
  // This checkout (installed): nothing to do.
  assert.equal(spawnSync(process.execPath, [bootstrap, '--check'], { encoding: 'utf8' }).stdout.trim(), 'up to date');
});

/** A package with one (local) dependency and the bootstrap, as a fresh clone would have them. */
function fixture(dir: string, main: string): string {
  const root = join(dir, 'app');
  mkdirSync(join(root, 'tools/scripts'), { recursive: true });
  mkdirSync(join(dir, 'tiny'));
  writeFileSync(join(dir, 'tiny/package.json'), JSON.stringify({ name: 'tiny', version: '1.0.0', type: 'module', main: 'index.js' }));
  writeFileSync(join(dir, 'tiny/index.js'), "export const hello = 'tiny says hello';\n");
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { tiny: 'file:../tiny' } }));
  writeFileSync(join(root, 'main.mjs'), main);
  copyFileSync(bootstrap, join(root, 'tools/scripts/bootstrap.mjs'));
  return root;
}

const npmEnv = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

function runBootstrap(root: string, args: string[] = []) {
  return spawnSync(process.execPath, ['tools/scripts/bootstrap.mjs', 'main.mjs', ...args], { cwd: root, encoding: 'utf8', env: npmEnv });
}

test('a fixture package: installs on the first run, not on the second, again after the lock file changed; exit code passed on', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-bootstrap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = fixture(dir, "import { hello } from 'tiny';\nconsole.log(hello, process.argv.slice(2).join(' '));\nprocess.exit(3);\n");

  const first = runBootstrap(root, ['a', 'b']);
  assert.equal(first.status, 3, first.stderr);
  assert.match(first.stderr, /\[bootstrap\] no node_modules: npm install/);
  assert.equal(first.stdout.trim().split('\n').at(-1), 'tiny says hello a b');
  assert.ok(existsSync(join(root, 'package-lock.json')), 'npm install wrote the lock file');

  const second = runBootstrap(root);
  assert.equal(second.status, 3);
  assert.doesNotMatch(second.stderr, /\[bootstrap\]/);

  // As after a `git pull` that changed the lock file: older install, newer lock.
  const earlier = new Date(Date.now() - 60_000);
  utimesSync(join(root, 'node_modules/.package-lock.json'), earlier, earlier);
  const third = runBootstrap(root);
  assert.equal(third.status, 3, third.stderr);
  assert.match(third.stderr, /\[bootstrap\] package-lock\.json changed since the last install: npm ci/);
  assert.doesNotMatch(runBootstrap(root).stderr, /\[bootstrap\]/);

  // A lock file dated ahead of this clock: installed once, not again on every run.
  const ahead = new Date(Date.now() + 3_600_000);
  utimesSync(join(root, 'package-lock.json'), ahead, ahead);
  assert.match(runBootstrap(root).stderr, /npm ci/);
  assert.doesNotMatch(runBootstrap(root).stderr, /\[bootstrap\]/);
});

test('signals reach the entry; the bootstrap ends as the entry did', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-bootstrap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = fixture(
    dir,
    [
      "process.on('SIGTERM', () => { console.log('entry got SIGTERM'); process.exit(0); });",
      "process.on('SIGHUP', () => { console.log('entry got SIGHUP'); process.exit(7); });",
      "console.log('entry waiting');",
      'setInterval(() => {}, 1000);',
    ].join('\n'),
  );
  assert.equal(spawnSync('npm', ['install'], { cwd: root, env: npmEnv }).status, 0);

  for (const [signal, code, said] of [
    ['SIGTERM', 0, 'entry got SIGTERM'],
    ['SIGHUP', 7, 'entry got SIGHUP'],
  ] as const) {
    const child = spawn(process.execPath, ['tools/scripts/bootstrap.mjs', 'main.mjs'], { cwd: root, env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waiting = new Promise<void>((done) => child.stdout.on('data', () => out.includes('entry waiting') && done()));
    const closed = once(child, 'close');
    await waiting;
    child.kill(signal);
    const [exitCode] = await closed;
    assert.equal(exitCode, code, out);
    assert.match(out, new RegExp(said));
  }
});
