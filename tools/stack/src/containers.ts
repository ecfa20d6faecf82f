// The stack as containers, for machines with a Docker engine (`MLC_TEST_INFRA=containers npm test`
// or `npm run stack -- up --containers`). Same addresses file as the process stack, so tests and
// services cannot tell the difference. Not exercised on the Docker-less dev machines.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StackConfig } from './config.js';
import { renderStackEnv } from './env-file.js';
import { kafkaReady, kafkaVersion } from './kafka.js';
import { kafkaServerProperties, newClusterId, type Properties } from './properties.js';
import { waitUntilReady } from './process.js';
import { APICURIO_VERSION } from './registry.js';
import type { Say } from './stack.js';

const POSTGRES_IMAGE = 'postgres:15';

interface ContainersFile {
  ids: string[];
  env: { kafkaBrokers: string; schemaRegistryUrl: string; databaseUrl: string };
}

const ENV_ESCAPES: Record<string, string> = { '.': '_', _: '__', '-': '___' };

/**
 * The apache/kafka image turns `KAFKA_FOO_BAR` variables into `foo.bar` properties
 * (`_` → `.`, `__` → `_`, `___` → `-`), so the process stack's broker config carries over.
 */
export function kafkaContainerEnv(props: Properties): Record<string, string> {
  return Object.fromEntries(
    Object.entries(props).map(([key, value]) => [
      `KAFKA_${key.replace(/[-_.]/g, (c) => ENV_ESCAPES[c]!).toUpperCase()}`,
      String(value),
    ]),
  );
}

function containersFile(config: StackConfig): string {
  return join(config.stackDir, 'containers.json');
}

export async function upContainers(config: StackConfig, say: Say): Promise<void> {
  mkdirSync(config.stackDir, { recursive: true });
  // The stack must outlive this CLI (tests run in another process); Ryuk would remove the
  // containers when we exit. `down` removes them instead.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');

  const file = containersFile(config);
  if (existsSync(file)) {
    const known = JSON.parse(readFileSync(file, 'utf8')) as ContainersFile;
    const client = await getContainerRuntimeClient();
    const states = await Promise.all(
      known.ids.map((id) => client.container.inspect(client.container.getById(id)).then((i) => i.State.Running, () => false)),
    );
    if (states.every(Boolean)) {
      say('containers: already running');
      writeFileSync(join(config.stackDir, 'stack.env'), renderStackEnv(known.env));
      return;
    }
    await downContainers(config, say);
  }

  const ids: string[] = [];
  try {
    say(`containers: starting ${POSTGRES_IMAGE}`);
    const postgres = await new GenericContainer(POSTGRES_IMAGE)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'mlc' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    ids.push(postgres.getId());

    const kafkaImage = `apache/kafka:${kafkaVersion(config)}`;
    say(`containers: starting ${kafkaImage}`);
    // Same port inside and out: the advertised listener must be reachable from the host.
    const props = {
      ...kafkaServerProperties({ port: config.kafkaPort, controllerPort: config.controllerPort, dataDir: '/var/lib/kafka/data' }),
      listeners: `PLAINTEXT://0.0.0.0:${config.kafkaPort},CONTROLLER://0.0.0.0:${config.controllerPort}`,
      'controller.quorum.voters': `1@localhost:${config.controllerPort}`,
    };
    const kafka = await new GenericContainer(kafkaImage)
      .withEnvironment({ ...kafkaContainerEnv(props), CLUSTER_ID: newClusterId() })
      .withExposedPorts({ container: config.kafkaPort, host: config.kafkaPort })
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
    ids.push(kafka.getId());

    const registryImage = `apicurio/apicurio-registry-mem:${APICURIO_VERSION}`;
    say(`containers: starting ${registryImage}`);
    const registry = await new GenericContainer(registryImage)
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/health/ready', 8080))
      .start();
    ids.push(registry.getId());

    const env = {
      kafkaBrokers: `127.0.0.1:${config.kafkaPort}`,
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      databaseUrl: `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/mlc`,
    };
    writeFileSync(file, `${JSON.stringify({ ids, env } satisfies ContainersFile, null, 2)}\n`);
    await waitUntilReady('Kafka container', () => kafkaReady(config), { timeoutMs: 120_000 });
    writeFileSync(join(config.stackDir, 'stack.env'), renderStackEnv(env));
    say(`kafka     ${env.kafkaBrokers}\n[stack] registry  ${env.schemaRegistryUrl}\n[stack] postgres  ${env.databaseUrl}`);
  } catch (error) {
    if (!existsSync(file)) writeFileSync(file, `${JSON.stringify({ ids, env: {} }, null, 2)}\n`);
    await downContainers(config, say).catch(() => undefined);
    throw error;
  }
}

export async function downContainers(config: StackConfig, say: Say): Promise<void> {
  const file = containersFile(config);
  if (!existsSync(file)) return;
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const { ids } = JSON.parse(readFileSync(file, 'utf8')) as ContainersFile;
  for (const id of ids) {
    const container = client.container.getById(id);
    await client.container.stop(container, { timeout: 20 }).catch(() => undefined);
    await client.container.remove(container, { removeVolumes: true }).catch(() => undefined);
    say(`containers: removed ${id.slice(0, 12)}`);
  }
  rmSync(file, { force: true });
  rmSync(join(config.stackDir, 'stack.env'), { force: true });
}
