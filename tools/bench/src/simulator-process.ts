// A vendor simulator in its own process, so a bench measures the services and not the simulator
// sharing the bench's thread. Run as a child: `simulator-process.ts <syspro|coupa> <options JSON>`;
// prints one JSON line `{ url, endpoint }` once listening, stops on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { coupaEndpoint, startCoupaSimulator, startSysproSimulator, sysproEndpoints } from '@mlc/sandbox';

type SysproEndpoint = ReturnType<typeof sysproEndpoints>;
type CoupaEndpoint = ReturnType<typeof coupaEndpoint>;

export type SysproOptions = NonNullable<Parameters<typeof startSysproSimulator>[0]>;
export type CoupaOptions = NonNullable<Parameters<typeof startCoupaSimulator>[0]>;

interface Ready<E> {
  url: string;
  endpoint: E;
}

export interface SimulatorProcess<E> extends Ready<E> {
  pid: number;
  close(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);
const STARTUP_TIMEOUT_MS = 120_000;

function start<E>(kind: 'syspro' | 'coupa', options: object): Promise<SimulatorProcess<E>> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', SELF, kind, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`bench: the ${kind} simulator process did not start within ${STARTUP_TIMEOUT_MS / 1000} s`));
    }, STARTUP_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`bench: the ${kind} simulator process exited before it was ready (code ${code}, signal ${signal})`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as Ready<E>;
      resolve({
        ...ready,
        pid: child.pid!,
        async close() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** The SYSPRO simulator in a child process; `endpoint` is how the poller reaches its OData service. */
export const startSysproProcess = (options: SysproOptions): Promise<SimulatorProcess<SysproEndpoint>> => start('syspro', options);
/** The Coupa simulator in a child process; `endpoint` is its API with the full-scope client. */
export const startCoupaProcess = (options: CoupaOptions): Promise<SimulatorProcess<CoupaEndpoint>> => start('coupa', options);

async function main(kind: string | undefined, raw: string | undefined): Promise<void> {
  const options = JSON.parse(raw ?? '{}') as object;
  let ready: Ready<unknown> & { close(): Promise<void> };
  if (kind === 'syspro') {
    const sim = await startSysproSimulator(options as SysproOptions);
    ready = { url: sim.url, endpoint: sysproEndpoints(sim), close: sim.close };
  } else if (kind === 'coupa') {
    const sim = await startCoupaSimulator(options as CoupaOptions);
    ready = { url: sim.url, endpoint: coupaEndpoint(sim), close: sim.close };
  } else {
    throw new Error(`simulator-process: unknown simulator '${kind}' (syspro or coupa)`);
  }
  process.once('SIGTERM', () => void ready.close().then(() => process.exit(0)));
  process.stdout.write(`${JSON.stringify({ url: ready.url, endpoint: ready.endpoint })}\n`);
}

if (process.argv[1] === SELF) await main(process.argv[2], process.argv[3]);
