// `npm run stack -- up|down|status|logs [kafka|registry]`: the local Kafka, schema registry and
// Postgres database that services and integration tests run against. See ../README.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadStackConfig } from './config.js';
import { down, logFiles, status, up, type PartName } from './stack.js';

const USAGE = `usage: npm run stack -- <command>
  up [--containers]      start what is not running, wait until ready, write .stack/stack.env
  down                   stop what up started
  status                 what runs where (exit 1 unless everything is up)
  logs [kafka|registry]  follow the logs`;

const say = (line: string): void => console.log(`[stack] ${line}`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const repoRoot = resolve(import.meta.dirname, '../../..');
  const config = loadStackConfig(process.env, repoRoot);
  const containers = rest.includes('--containers') || existsSync(resolve(config.stackDir, 'containers.json'));
  switch (command) {
    case 'up':
      if (rest.includes('--containers')) {
        const { upContainers } = await import('./containers.js');
        await upContainers(config, say);
      } else {
        await up(config, say);
      }
      return 0;
    case 'down':
      if (containers) {
        const { downContainers } = await import('./containers.js');
        await downContainers(config, say);
      }
      await down(config, say);
      return 0;
    case 'status':
      return (await status(config, say)) ? 0 : 1;
    case 'logs': {
      const which = rest[0] as PartName | undefined;
      if (which !== undefined && which !== 'kafka' && which !== 'registry') {
        console.error(USAGE);
        return 2;
      }
      const files = logFiles(config, which).filter((f) => existsSync(f));
      if (files.length === 0) {
        say('no logs yet: run `npm run stack -- up` first');
        return 1;
      }
      const child = spawn('tail', ['-n', '100', '-F', ...files], { stdio: 'inherit' });
      return new Promise((done) => child.on('exit', (code) => done(code ?? 0)));
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[stack] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
