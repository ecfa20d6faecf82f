import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  BROKER_PORT_STEP,
  down,
  freePortBelowEphemeral,
  freePortBlock,
  killBroker,
  loadStackConfig,
  rollingRestart,
  stackAddresses,
  startBroker,
  startSchemaRegistry,
  stopSchemaRegistry,
  up,
  type StackConfig,
} from '@mlc/stack';
import { startPrivatePostgres, type PrivatePostgres } from './postgres.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

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
  /** kill -9 of the single broker, `downMs` later started again; resolves once it leads its partitions again. */
  killBroker(downMs: number): Promise<void>;
  /** The registry stopped (SIGTERM), `downMs` later started again; resolves once it answers. */
  restartRegistry(downMs: number): Promise<void>;
  /** Immediate stop of PostgreSQL (a crash to its clients), `downMs` later started again. */
  restartPostgres(downMs: number): Promise<void>;
  /** The three-broker cluster (replication factor 3, min.insync.replicas 2), started on first use beside the single broker. */
  cluster(): Promise<Cluster>;
  close(): Promise<void>;
}

export interface Cluster {
  kafkaBrokers: string;
  /** kill -9 of broker `id`, `downMs` later started again; resolves once every ISR is complete. */
  killBroker(id: number, downMs: number): Promise<void>;
  /** Each broker stopped (SIGTERM) and started again in turn, waiting for full ISRs in between. */
  rollingRestart(): Promise<void>;
}

const quiet = () => undefined;

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
  const clusters: StackConfig[] = [];
  const close = async () => {
    for (const c of clusters) await down(c, quiet).catch(() => undefined);
    if (config !== undefined) await down(config, quiet).catch(() => undefined);
    await postgres?.close().catch(() => undefined);
    if (keep) say(`kept ${dir} (logs of every service under runs/)`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pgPort = await freePortBelowEphemeral();
    say(`postgres: private cluster on 127.0.0.1:${pgPort} (${dir}/postgres)`);
    postgres = await startPrivatePostgres({ dir: join(dir, 'postgres'), port: pgPort });
    const [kafkaPort, controllerPort, saslSslPort, mtlsPort, registryPort] = await Promise.all([freePortBelowEphemeral(), freePortBelowEphemeral(), freePortBelowEphemeral(), freePortBelowEphemeral(), freePortBelowEphemeral()]);
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
    // No SASL/mTLS listeners: the services use PLAINTEXT, and the SCRAM user costs a JVM start.
    await up(stackConfig, quiet, { parts: ['kafka', 'registry'], secureListeners: false });
    keepRuntimes(cache, stackConfig.stackDir);
    const { kafkaBrokers, schemaRegistryUrl } = stackAddresses(stackConfig);
    const pgServer = postgres;
    let cluster: Promise<Cluster> | undefined;
    const startCluster = async (): Promise<Cluster> => {
      // Each broker's four listeners (+0…+3), BROKER_PORT_STEP apart.
      const base = await freePortBlock([0, 1, 2].flatMap((n) => [0, 1, 2, 3].map((i) => i + BROKER_PORT_STEP * n)));
      const clusterConfig = loadStackConfig(
        {
          MLC_STACK_DIR: join(dir, 'cluster'),
          MLC_KAFKA_PORT: String(base),
          MLC_KAFKA_CONTROLLER_PORT: String(base + 1),
          MLC_KAFKA_SASL_SSL_PORT: String(base + 2),
          MLC_KAFKA_MTLS_PORT: String(base + 3),
          // Not started (kafka only): the single stack's registry serves both.
          MLC_REGISTRY_PORT: String(registryPort),
          MLC_STACK_DATABASE_URL: pgServer.url,
          ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
        },
        REPO_ROOT,
        { brokers: 3 },
      );
      clusters.push(clusterConfig);
      say(`kafka cluster: three brokers on 127.0.0.1:${base}, ${base + BROKER_PORT_STEP}, ${base + 2 * BROKER_PORT_STEP} (takes a minute)`);
      linkRuntimes(cache, clusterConfig.stackDir);
      await up(clusterConfig, quiet, { parts: ['kafka'], secureListeners: false });
      return {
        kafkaBrokers: stackAddresses(clusterConfig).kafkaBrokers,
        async killBroker(id, downMs) {
          await killBroker(clusterConfig, id);
          await delay(downMs);
          await startBroker(clusterConfig, id);
        },
        rollingRestart: () => rollingRestart(clusterConfig),
      };
    };
    return {
      addresses: { kafkaBrokers, schemaRegistryUrl, databaseUrl: postgres.url },
      dir,
      async killBroker(downMs) {
        await killBroker(stackConfig, 1);
        await delay(downMs);
        await startBroker(stackConfig, 1);
      },
      async restartRegistry(downMs) {
        await stopSchemaRegistry(stackConfig, { signal: 'SIGTERM' });
        await delay(downMs);
        await startSchemaRegistry(stackConfig);
      },
      restartPostgres: (downMs) => pgServer.restart(downMs),
      cluster: () => (cluster ??= startCluster()),
      close,
    };

  } catch (error) {
    await close();
    throw error;
  }
}
