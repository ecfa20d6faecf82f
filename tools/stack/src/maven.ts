import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './process.js';

// -B: no colours or progress bars in CI logs; -q: only errors.
const MVN = ['-B', '-q'];

const MARKER = '.pom-sha256';

function hasMarker(dir: string, hash: string): boolean {
  const marker = join(dir, MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === hash;
}

/**
 * Copies the runtime dependencies of `pom` into `outDir`, unless they are already there for this
 * exact pom (a hash marker), so only the first `up` (or a version change) touches the network.
 * A `seed` directory holding the same pom's dependencies (the default stack's, for a stack in a
 * temporary directory) is copied instead of running Maven (hard links where possible).
 */
export function copyDependencies(pom: string, outDir: string, seed?: string): { fresh: boolean } {
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (hasMarker(outDir, hash)) return { fresh: false };
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  if (seed !== undefined && seed !== outDir && hasMarker(seed, hash)) {
    for (const name of readdirSync(seed)) {
      if (name === MARKER) continue;
      try {
        linkSync(join(seed, name), join(outDir, name));
      } catch {
        copyFileSync(join(seed, name), join(outDir, name));
      }
    }
    writeFileSync(join(outDir, MARKER), `${hash}\n`);
    return { fresh: false };
  }
  run('mvn', [...MVN, '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${outDir}`]);
  writeFileSync(join(outDir, MARKER), `${hash}\n`);
  return { fresh: true };
}

export interface ArtifactCoordinates {
  groupId: string;
  artifactId: string;
  version: string;
  type: string;
  classifier?: string;
}

/** Resolves one artifact into the local Maven repository and returns its path there. */
export function fetchArtifact(coords: ArtifactCoordinates, m2Repository: string): string {
  const { groupId, artifactId, version, type, classifier } = coords;
  const file = join(
    m2Repository,
    ...groupId.split('.'),
    artifactId,
    version,
    `${artifactId}-${version}${classifier ? `-${classifier}` : ''}.${type}`,
  );
  if (!existsSync(file)) {
    const spec = [groupId, artifactId, version, type, ...(classifier ? [classifier] : [])].join(':');
    run('mvn', [...MVN, 'dependency:get', `-Dartifact=${spec}`, '-Dtransitive=false']);
  }
  if (!existsSync(file)) throw new Error(`maven resolved ${artifactId} ${version} but ${file} is missing`);
  return file;
}

/** The value of `<name>` in the pom's `<properties>` (our own poms only: no inheritance). */
export function pomProperty(pom: string, name: string): string {
  const m = new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</${name.replace(/\./g, '\\.')}>`).exec(readFileSync(pom, 'utf8'));
  if (!m) throw new Error(`${pom} has no <${name}>`);
  return m[1]!.trim();
}
