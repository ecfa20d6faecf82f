// `npm run stack -- up|down|status|logs|broker|rolling-restart|registry`: the local Kafka, schema
// registry and Postgres database that services and integration tests run against. See ../README.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAX_BROKERS, loadStackConfig } from './config.js';
import { killBroker, restartBroker, restartSchemaRegistry, rollingRestart, startBroker, startSchemaRegistry, stopBroker, stopSchemaRegistry } from './control.js';
import { down, logFiles, status, up, type PartName } from './stack.js';

const USAGE = `usage: npm run stack -- <command>
  up [--brokers N] [--containers]
                         start what is not running, wait until ready, write .stack/stack.env;
                         --brokers 3: a KRaft cluster (RF 3, min.insync.replicas 2), default 1
  down                   stop what up started
  status                 what runs where (exit 1 unless everything is up)
  logs [kafka|registry]  follow the logs
  broker stop|kill|start|restart <id>
                         stop (SIGTERM) / kill -9 / start / restart one broker (1..N); start and
                         restart return once its replicas are back in sync
  rolling-restart        restart every broker, one at a time, waiting for the ISR in between
  registry stop|kill|start|restart
                         the schema registry`;

/** `--brokers 3` or `--brokers=3`; undefined when absent. */
function brokersFlag(args: readonly string[]): number | undefined {
  const i = args.findIndex((a) => a === '--brokers' || a.startsWith('--brokers='));
  if (i < 0) return undefined;
  const text = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BROKERS) throw new Error(`--brokers wants a number from 1 to ${MAX_BROKERS}, got ${text ?? 'nothing'}`);
  return n;
}

function brokerId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new Error(`a broker id (1, 2, …) is needed, got ${text ?? 'nothing'}\n${USAGE}`);
  return id;
}

const say = (line: string): void => console.log(`[stack] ${line}`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const repoRoot = resolve(import.meta.dirname, '../../..');
  const brokers = command === 'up' ? brokersFlag(rest) : undefined;
  const config = loadStackConfig(process.env, repoRoot, brokers === undefined ? {} : { brokers });
  const containers = rest.includes('--containers') || existsSync(resolve(config.stackDir, 'containers.json'));
  switch (command) {
    case 'up':
      if (rest.includes('--containers')) {
        if (config.brokers > 1) throw new Error('--containers starts one broker; --brokers is for the process stack');
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
    case 'broker': {
      const [action, id] = rest;
      const options = { say };
      switch (action) {
        case 'stop':
          say(`broker ${brokerId(id)}: ${await stopBroker(config, brokerId(id), options)}`);
          return 0;
        case 'kill':
          say(`broker ${brokerId(id)}: ${await killBroker(config, brokerId(id), options)}`);
          return 0;
        case 'start':
          await startBroker(config, brokerId(id), options);
          return 0;
        case 'restart':
          await restartBroker(config, brokerId(id), options);
          return 0;
        default:
          console.error(USAGE);
          return 2;
      }
    }
    case 'rolling-restart':
      await rollingRestart(config, { say });
      return 0;
    case 'registry':
      switch (rest[0]) {
        case 'stop':
          say(`registry: ${await stopSchemaRegistry(config, { say })}`);
          return 0;
        case 'kill':
          say(`registry: ${await stopSchemaRegistry(config, { say, signal: 'SIGKILL' })}`);
          return 0;
        case 'start':
          await startSchemaRegistry(config, { say });
          return 0;
        case 'restart':
          await restartSchemaRegistry(config, { say });
          return 0;
        default:
          console.error(USAGE);
          return 2;
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
