#!/usr/bin/env node
// The README's test command. Finds test files by suffix (*.test.ts unit, *.int.test.ts integration),
// makes sure real infrastructure is reachable for integration tests, and runs node:test through tsx.
//
//   npm test                 all tests
//   npm run test:unit        unit tests only (no infrastructure)
//   npm run test:int         integration tests only
//   npm test -- libs/kafka   only files under the given paths
//
// Infrastructure: explicit KAFKA_BROKERS / SCHEMA_REGISTRY_URL / DATABASE_URL always win. Otherwise
// the test command starts the local stack (`npm run stack -- up`, idempotent; with
// MLC_TEST_INFRA=containers `up --containers`, which needs a Docker engine) and reads what it wrote
// to .stack/stack.env.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const mode = args.includes('--unit') ? 'unit' : args.includes('--int') ? 'int' : 'all';
const filters = args.filter((a) => !a.startsWith('--')).map((a) => resolve(a));

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.test.ts')) yield path;
  }
}

const files = ['libs', 'services', 'tools', 'tests']
  .flatMap((top) => (existsSync(join(root, top)) ? [...walk(join(root, top))] : []))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .filter((f) => {
    const isInt = f.endsWith('.int.test.ts');
    return mode === 'all' || (mode === 'int' ? isInt : !isInt);
  })
  .sort();

if (files.length === 0) {
  console.error(`no test files matched (mode ${mode}${filters.length ? `, paths ${filters.join(' ')}` : ''})`);
  process.exit(1);
}

const env = { ...process.env };
const needsInfra = files.some((f) => f.endsWith('.int.test.ts'));
const infraVars = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'];
if (needsInfra && !infraVars.every((v) => env[v])) {
  // MLC_TEST_INFRA=containers: the same stack as containers (needs a Docker engine).
  const upArgs = env.MLC_TEST_INFRA === 'containers' ? ['up', '--containers'] : ['up'];
  const up = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'tools/stack/src/cli.ts', ...upArgs], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  if (up.status !== 0) {
    console.error('the local stack did not come up; see the output above (or set KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL)');
    process.exit(up.status ?? 1);
  }
  const stackEnv = join(root, '.stack', 'stack.env');
  for (const line of readFileSync(stackEnv, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && !env[m[1]]) env[m[1]] = m[2];
  }
}

// Browser tests (files that call `launchChromium`, libs/testing) drive Debian's Chromium, never a
// downloaded one. Missing: installed here when this user may (root, or sudo without a password),
// else the run stops naming the command. Browser tests never skip.
const chromium = env.MLC_CHROMIUM ?? '/usr/bin/chromium';
const needsBrowser = files.some((f) => f.endsWith('.int.test.ts') && readFileSync(f, 'utf8').includes('launchChromium('));
if (needsBrowser && !existsSync(chromium)) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !asRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (asRoot || sudo) {
    console.log(`browser tests: no Chromium at ${chromium}; installing Debian's package (apt-get install -y chromium)`);
    const run = (cmd) => spawnSync(asRoot ? cmd[0] : 'sudo', asRoot ? cmd.slice(1) : ['-n', ...cmd], { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    if (!run(['apt-get', 'install', '-y', 'chromium']) && run(['apt-get', 'update'])) run(['apt-get', 'install', '-y', 'chromium']);
  }
  if (!existsSync(chromium)) {
    console.error(`browser tests need Chromium at ${chromium}: run  sudo apt-get update && sudo apt-get install -y chromium  (or set MLC_CHROMIUM to its path)`);
    process.exit(1);
  }
}

// A file may ask for a longer budget than the default 3 minutes with a line
// `// mlc-test-timeout: <ms>` in its first lines (the chaos short set, tools/chaos): such files run
// on their own, one at a time, after the others, so they neither starve nor hold up the rest.
const DEFAULT_TIMEOUT_MS = 180_000;
const timeoutOf = (file) => {
  const m = /^\/\/ mlc-test-timeout: (\d+)$/m.exec(readFileSync(file, 'utf8').slice(0, 2000));
  return m ? Number(m[1]) : DEFAULT_TIMEOUT_MS;
};
const regular = files.filter((f) => timeoutOf(f) === DEFAULT_TIMEOUT_MS);
const long = files.filter((f) => timeoutOf(f) !== DEFAULT_TIMEOUT_MS);

console.log(`running ${files.length} test file(s): ${mode}${long.length > 0 ? ` (${long.length} with a longer timeout after the others)` : ''}`);
// Each run is a child the runner waits for asynchronously, so a SIGINT/SIGTERM that reaches only
// this process (npm passing one on, say) is handed to the child and nothing is left running.
let child;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping = true;
    if (child && child.exitCode === null) child.kill(signal);
    else process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}
const runFiles = (list, timeoutMs, concurrency) =>
  new Promise((done) => {
    child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${concurrency}`,
        `--test-timeout=${timeoutMs}`,
        ...list.map((f) => relative(root, f)),
      ],
      { cwd: root, stdio: 'inherit', env },
    );
    child.on('error', (err) => {
      console.error(`could not run node --test: ${err.message}`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
let status = regular.length > 0 ? await runFiles(regular, DEFAULT_TIMEOUT_MS, env.MLC_TEST_CONCURRENCY ?? 2) : 0;
for (const file of long) if (!stopping) status = (await runFiles([file], timeoutOf(file), 1)) || status;
process.exit(status);
