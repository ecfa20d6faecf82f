import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { down, loadStackConfig, stackAddresses, up, type StackConfig } from '@mlc/stack';
import { startPrivatePostgres, type PrivatePostgres } from './postgres.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** A port nobody listens on right now (the OS picks it; it is free again once we close). */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface Addresses {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
}

/**
 * The runner's own infrastructure: a Kafka broker and a schema registry through tools/stack (a
 * temp stack folder, ports of its own) and a private PostgreSQL. Nothing here touches the shared
 * stack or the machine's PostgreSQL.
 */
export interface Infra {
  addresses: Addresses;
  dir: string;
  /** kill -9 of the broker, `downMs` later started again; resolves once it is ready. */
  killBroker(downMs: number): Promise<void>;
  /** SIGTERM to the registry (SIGKILL after 15 s), `downMs` later started again. */
  restartRegistry(downMs: number): Promise<void>;
  /** Immediate stop of PostgreSQL (a crash to its clients), `downMs` later started again. */
  restartPostgres(downMs: number): Promise<void>;
  close(): Promise<void>;
}

const quiet = () => undefined;

function pidOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killAndWait(pid: number | undefined, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (pid === undefined || !alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await delay(100);
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await delay(100);
  }
}

/**
 * The broker's classpath and the registry's unpacked app, kept between runs (they are the same
 * for every temp stack folder): linked into the new stack folder before `up`, so it neither runs
 * Maven nor unpacks 150 MB each time. tools/stack checks them as usual (the pom hash marker, the
 * runner jar) and fetches them itself when they are missing or stale.
 */
const RUNTIMES = [
  ['kafka', 'libs'],
  ['registry', 'app-2.6.13.Final'],
] as const;

function linkRuntimes(cache: string, stackDir: string): void {
  for (const [part, name] of RUNTIMES) {
    const cached = join(cache, part, name);
    if (!existsSync(cached)) continue;
    mkdirSync(join(stackDir, part), { recursive: true });
    symlinkSync(cached, join(stackDir, part, name), 'dir');
  }
}

function keepRuntimes(cache: string, stackDir: string): void {
  for (const [part, name] of RUNTIMES) {
    const cached = join(cache, part, name);
    const fresh = join(stackDir, part, name);
    if (existsSync(cached) || !existsSync(fresh)) continue;
    mkdirSync(join(cache, part), { recursive: true });
    cpSync(fresh, `${cached}.partial`, { recursive: true });
    rmSync(cached, { recursive: true, force: true });
    cpSync(`${cached}.partial`, cached, { recursive: true });
    rmSync(`${cached}.partial`, { recursive: true, force: true });
  }
}

export async function startInfra({ say = quiet, keep = false }: { say?: (line: string) => void; keep?: boolean } = {}): Promise<Infra> {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-chaos-'));
  // The private PostgreSQL may run as another user (`postgres`, when we are root): it must reach its folder.
  chmodSync(dir, 0o711);
  let postgres: PrivatePostgres | undefined;
  let config: StackConfig | undefined;
  const close = async () => {
    if (config !== undefined) await down(config, quiet).catch(() => undefined);
    await postgres?.close().catch(() => undefined);
    if (keep) say(`kept ${dir} (logs of every service under runs/)`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pgPort = await freePort();
    say(`postgres: private cluster on 127.0.0.1:${pgPort} (${dir}/postgres)`);
    postgres = await startPrivatePostgres({ dir: join(dir, 'postgres'), port: pgPort });
    const [kafkaPort, controllerPort, saslSslPort, mtlsPort, registryPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    config = loadStackConfig(
      {
        MLC_STACK_DIR: join(dir, 'stack'),
        MLC_KAFKA_PORT: String(kafkaPort),
        MLC_KAFKA_CONTROLLER_PORT: String(controllerPort),
        MLC_KAFKA_SASL_SSL_PORT: String(saslSslPort),
        MLC_KAFKA_MTLS_PORT: String(mtlsPort),
        MLC_REGISTRY_PORT: String(registryPort),
        MLC_STACK_DATABASE_URL: postgres.url,
        ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
      },
      REPO_ROOT,
    );
    say(`kafka + registry: own stack on 127.0.0.1:${kafkaPort} / ${registryPort} (takes 30-60 s)`);
    const stackConfig = config;
    const cache = join(homedir(), '.cache', 'mlc-chaos');
    linkRuntimes(cache, stackConfig.stackDir);
    await up(stackConfig, quiet);
    keepRuntimes(cache, stackConfig.stackDir);
    const { kafkaBrokers, schemaRegistryUrl } = stackAddresses(stackConfig);
    const kafkaPid = join(stackConfig.stackDir, 'kafka', 'kafka.pid');
    const registryPid = join(stackConfig.stackDir, 'registry', 'registry.pid');
    const pgServer = postgres;
    return {
      addresses: { kafkaBrokers, schemaRegistryUrl, databaseUrl: postgres.url },
      dir,
      async killBroker(downMs) {
        await killAndWait(pidOf(kafkaPid), 'SIGKILL', 10_000);
        await delay(downMs);
        await up(stackConfig, quiet);
      },
      async restartRegistry(downMs) {
        await killAndWait(pidOf(registryPid), 'SIGTERM', 15_000);
        await delay(downMs);
        await up(stackConfig, quiet);
      },
      restartPostgres: (downMs) => pgServer.restart(downMs),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
