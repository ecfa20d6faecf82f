import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.js';
import { fetchArtifact } from './maven.js';
import { run, startDetached } from './process.js';

/**
 * Apicurio Registry 2.6.13.Final, the newest runnable build on Maven Central: the 3.x app
 * assembly is not published there (see ../README.md, "Schema registry").
 */
export const APICURIO_VERSION = '2.6.13.Final';
const RUNNER_JAR = `apicurio-registry-app-${APICURIO_VERSION}-runner.jar`;

export function registryPaths(config: StackConfig) {
  const home = join(config.stackDir, 'registry');
  return {
    home,
    app: join(home, `app-${APICURIO_VERSION}`),
    data: join(home, 'data'),
    pidFile: join(home, 'registry.pid'),
    logFile: join(home, 'registry.log'),
  };
}

/** Part of the command line that identifies our registry process. */
export const REGISTRY_MARKER = RUNNER_JAR;

export function prepareRegistry(config: StackConfig): { downloaded: boolean } {
  const paths = registryPaths(config);
  mkdirSync(paths.data, { recursive: true });
  if (existsSync(join(paths.app, RUNNER_JAR))) return { downloaded: false };
  const archive = fetchArtifact(
    { groupId: 'io.apicurio', artifactId: 'apicurio-registry-app', version: APICURIO_VERSION, type: 'tar.gz', classifier: 'all' },
    config.m2Repository,
  );
  // Unpack beside the target and rename, so an interrupted unpack never looks complete.
  const partial = `${paths.app}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  run('tar', ['-xzf', archive, '-C', partial]);
  renameSync(partial, paths.app);
  return { downloaded: true };
}

export function startRegistry(config: StackConfig): number {
  const paths = registryPaths(config);
  return startDetached({
    command: config.java,
    args: ['-Xms64m', `-Xmx${config.registryHeap}`, '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', '-jar', RUNNER_JAR],
    cwd: paths.app,
    env: {
      ...process.env,
      HTTP_PORT: String(config.registryPort),
      QUARKUS_HTTP_HOST: '127.0.0.1',
      // This build's datasource kind is fixed to H2 at build time (Quarkus); a file database keeps
      // schemas, and so the ids inside messages already on Kafka, across restarts.
      REGISTRY_DATASOURCE_URL: `jdbc:h2:file:${join(paths.data, 'registry')}`,
    },
    outFile: paths.logFile,
    pidFile: paths.pidFile,
  });
}

export async function registryReady(config: StackConfig): Promise<boolean> {
  const base = `http://127.0.0.1:${config.registryPort}`;
  const health = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(3_000) });
  if (!health.ok) return false;
  const subjects = await fetch(`${base}/apis/ccompat/v7/subjects`, { signal: AbortSignal.timeout(3_000) });
  return subjects.ok && Array.isArray(await subjects.json());
}
