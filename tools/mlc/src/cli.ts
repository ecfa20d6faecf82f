#!/usr/bin/env node
// mlc: the operator CLI. The composition root: the only place here that reads the environment
// and the process; every command is a module (args, trail, rewind, republish, dlq).
import { loadEnv } from '@mlc/config';
import { createLogger } from '@mlc/log';
import { USAGE, parseCommand } from './args.js';
import { createMlcDeps, MlcEnv } from './context.js';
import { EXIT, describeError, exitCodeFor } from './exit.js';
import { runCommand } from './run.js';

const argv = process.argv.slice(2);
const json = argv.includes('--json');

async function main(): Promise<number> {
  const cmd = parseCommand(argv, { now: new Date(), user: process.env.USER ?? process.env.LOGNAME });
  if (cmd.name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const env = loadEnv(process.env, MlcEnv);
  // Quiet by default: a CLI's stderr is for the operator, not for info logs of the libraries.
  const logger = createLogger({ name: 'mlc', level: process.env.LOG_LEVEL ? env.LOG_LEVEL : 'warn', destination: process.stderr });
  const deps = createMlcDeps({ env, logger, progressStream: process.stderr });
  try {
    const output = await runCommand(deps, cmd, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${json ? JSON.stringify(output.json, null, 2) : output.text}\n`);
    return EXIT.ok;
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
