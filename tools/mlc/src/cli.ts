#!/usr/bin/env node
// mlc: the operator CLI. The composition root: the only place here that reads the environment
// and the process; every command is a module (args, trail, rewind, republish, dlq).
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadEnv } from '@mlc/config';
import { createLogger } from '@mlc/log';
import { USAGE, parseCommand } from './args.js';
import { createMlcDeps, MlcEnv } from './context.js';
import { EXIT, describeError, exitCodeFor } from './exit.js';
import { runCommand } from './run.js';

const argv = process.argv.slice(2);
/** Where `npm start` and `npm run sandbox` write the sandbox's connections file. */
const SANDBOX_CONNECTIONS = '.sandbox/connections.json';
const json = argv.includes('--json');

/**
 * A secret from stdin: all of it when piped (`vault read … | mlc credentials set x`); typed at a
 * terminal, one line without echo, so it is neither on screen nor in shell history.
 */
async function readStdin(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  process.stderr.write('value (not shown, Enter to finish): ');
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      stdin.on('data', (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') return resolve(value);
          if (char === '\u0003') return reject(new Error('interrupted'));
          value = char === '\u007f' ? value.slice(0, -1) : value + char;
        }
      });
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/**
 * `mlc status --watch`: the report again every `seconds` until SIGINT (or SIGTERM); on a terminal
 * each one replaces the last (screen cleared), otherwise they follow one another.
 */
async function watch(deps: Parameters<typeof runCommand>[0], cmd: Parameters<typeof runCommand>[1], seconds: number): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stop.signal.aborted) {
      const output = await runCommand(deps, cmd);
      if (stop.signal.aborted) break;
      const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
      process.stdout.write(`${clear}${output.text}\n\nevery ${seconds}s; Ctrl-C stops\n${process.stdout.isTTY ? '' : '\n'}`);
      await sleep(seconds * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function main(): Promise<number> {
  const cmd = parseCommand(argv, { now: new Date(), user: process.env.USER ?? process.env.LOGNAME });
  if (cmd.name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const processEnv = { ...process.env };
  // Out of the box on a development machine: no connections file named, none here, but the
  // sandbox's (written by `npm start` / `npm run sandbox`): check that one, and say so.
  if (cmd.name === 'check' && !processEnv.MLC_CONNECTIONS_FILE && !existsSync('connections.json') && existsSync(SANDBOX_CONNECTIONS)) {
    processEnv.MLC_CONNECTIONS_FILE = SANDBOX_CONNECTIONS;
    process.stderr.write(`mlc: MLC_CONNECTIONS_FILE is not set and there is no connections.json here: checking the sandbox's ${SANDBOX_CONNECTIONS}\n`);
  }
  const env = loadEnv(processEnv, MlcEnv);
  // Quiet by default: a CLI's stderr is for the operator, not for info logs of the libraries.
  const logger = createLogger({ name: 'mlc', level: process.env.LOG_LEVEL ? env.LOG_LEVEL : 'warn', destination: process.stderr });
  const deps = createMlcDeps({ env, logger, progressStream: process.stderr, readStdin, processEnv });
  try {
    if (cmd.name === 'status' && cmd.watchSeconds !== undefined) return await watch(deps, cmd, cmd.watchSeconds);
    const output = await runCommand(deps, cmd, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${json ? JSON.stringify(output.json, null, 2) : output.text}\n`);
    return output.exitCode ?? EXIT.ok;
  } finally {
    await deps.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  const { line, json: body } = describeError(error);
  process.stderr.write(`${line}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
  process.exitCode = exitCodeFor(error);
}
