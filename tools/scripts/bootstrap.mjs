#!/usr/bin/env node
// `npm start` and `npm test` go through this file, so that on a fresh clone the README's two
// commands are the whole set-up. Plain Node (no dependencies: it runs before there are any).
//
//   node tools/scripts/bootstrap.mjs <entry> [args…]     install what is missing, then run <entry>
//   node tools/scripts/bootstrap.mjs --check             print what would be installed, change nothing
//
// 1. Dependencies: `npm ci` when node_modules (or npm's record of it, node_modules/.package-lock.json)
//    is missing, package-lock.json is newer than that record, or a package the root package.json
//    names is not in node_modules; `npm install` when there is no package-lock.json. Nothing is built: every entry runs from source
//    (`--conditions=source --import tsx`), as the services do under `npm start`.
// 2. The entry runs as a child process: `node --conditions=source --import tsx <entry>` for a .ts
//    file, `node <entry>` otherwise, with this process's arguments, stdio and environment.
//    SIGINT, SIGTERM and SIGHUP are passed on to it (npm runs this script with `exec`, so a signal
//    to npm reaches this process and not a shell that would leave the entry behind), and this
//    process exits with the entry's exit code (or re-raises the signal that ended it). When npm
//    itself is killed outright (SIGKILL), the entry gets SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';

/** Modification time in ms, or undefined when the file is not there. */
function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** What `installPlan` looks at, read from the file system under `root`. */
export function inspectRoot(root) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const wanted = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  return {
    lockMtime: mtimeOf(join(root, 'package-lock.json')),
    nodeModules: mtimeOf(join(root, 'node_modules')) !== undefined,
    installedLockMtime: mtimeOf(join(root, 'node_modules', '.package-lock.json')),
    missing: wanted.filter((name) => mtimeOf(join(root, 'node_modules', name, 'package.json')) === undefined),
  };
}

/**
 * Pure: which npm command (if any) makes node_modules match the lock file, and why.
 * `npm ci` installs exactly the lock file; `npm install` is for a checkout without one.
 */
export function installPlan({ lockMtime, nodeModules, installedLockMtime, missing }) {
  const command = lockMtime === undefined ? ['install'] : ['ci'];
  if (!nodeModules) return { command, reason: 'no node_modules' };
  if (installedLockMtime === undefined) return { command, reason: 'node_modules/.package-lock.json is missing (an interrupted install?)' };
  if (lockMtime !== undefined && lockMtime > installedLockMtime) return { command, reason: 'package-lock.json changed since the last install' };
  if (missing.length > 0) return { command, reason: `${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} not installed` };
  return undefined;
}

const isTypeScript = (entry) => ['.ts', '.mts', '.cts'].includes(extname(entry));

/** Pure: the node arguments that run `entry` (TypeScript from source through tsx). */
export function entryArgs(entry, args) {
  return [...(isTypeScript(entry) ? ['--conditions=source', '--import', 'tsx'] : []), entry, ...args];
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function install(root, plan) {
  const npm = process.env.npm_execpath;
  console.error(`[bootstrap] ${plan.reason}: npm ${plan.command.join(' ')}`);
  // Under npm, npm_execpath is npm's own CLI: the same npm, whatever PATH holds.
  const [command, args] = npm && /\.[cm]?js$/.test(npm) ? [process.execPath, [npm, ...plan.command]] : ['npm', plan.command];
  // npm's output goes to stderr: stdout is the entry's (JSON lines when npm start is piped).
  const result = spawnSync(command, [...args, '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 2, 2], env: process.env });
  if (result.status !== 0) {
    console.error(`[bootstrap] npm ${plan.command.join(' ')} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}); see its output above`);
    process.exit(result.status || 1);
  }
  // npm's record of the install must not look older than the lock file, or the next run installs
  // again: `npm install` may write package-lock.json after it, and a lock file may carry a time
  // ahead of this clock (unpacked from elsewhere). Dates are whole milliseconds: round up.
  const lock = mtimeOf(join(root, 'package-lock.json'));
  const installed = join(root, 'node_modules', '.package-lock.json');
  const installedMtime = mtimeOf(installed);
  if (lock !== undefined && installedMtime !== undefined && installedMtime <= lock) utimesSync(installed, new Date(), new Date(Math.ceil(lock) + 1));
}

function run(root, entry, args) {
  const child = spawn(process.execPath, entryArgs(entry, args), { cwd: root, stdio: 'inherit', env: process.env });
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  // npm killed with SIGKILL (nothing to pass on): this process is adopted by another; the entry is
  // then asked to stop as if npm had got SIGTERM, rather than left running.
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphaned);
    child.kill('SIGTERM');
  }, 1000);
  orphaned.unref();
  child.once('error', (error) => {
    console.error(`[bootstrap] could not start ${entry}: ${error.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    for (const name of FORWARDED) process.removeAllListeners(name);
    process.kill(process.pid, signal); // the same end as the entry, for npm and shells
  });
}

function main(argv) {
  const root = resolve(import.meta.dirname, '../..');
  if (argv[0] === '--check') {
    const plan = installPlan(inspectRoot(root));
    console.log(plan ? `install: npm ${plan.command.join(' ')} (${plan.reason})` : 'up to date');
    return;
  }
  const [entry, ...args] = argv;
  if (entry === undefined) {
    console.error('usage: node tools/scripts/bootstrap.mjs <entry> [args…] | --check');
    process.exit(2);
  }
  const plan = installPlan(inspectRoot(root));
  if (plan) install(root, plan);
  run(root, entry, args);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
