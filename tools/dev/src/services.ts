import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MlcError } from '@mlc/errors';

export interface ServicePlan {
  name: string;
  /** Path of `src/main.ts`, relative to the repository root. */
  main: string;
  port: number;
}

/** Folders under `services/` that have a composition root (`src/main.ts`), sorted by name. */
export function discoverServices(repoRoot: string): string[] {
  const dir = join(repoRoot, 'services');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'src', 'main.ts')))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Picks the services to run and gives each a port by its place among all discovered services, so
 * a service keeps its port whether it runs alone (`--only`) or with the others.
 */
export function planServices({ discovered, only, basePort }: { discovered: readonly string[]; only?: readonly string[] | undefined; basePort: number }): ServicePlan[] {
  const unknown = (only ?? []).filter((name) => !discovered.includes(name));
  if (unknown.length > 0) {
    throw new MlcError('MLC_CONFIG_INVALID', `no service ${unknown.join(', ')} with a src/main.ts; there are: ${discovered.join(', ')}`, {
      context: { unknown, discovered },
    });
  }
  return discovered
    .map((name, index) => ({ name, main: `services/${name}/src/main.ts`, port: basePort + index }))
    .filter((plan) => only === undefined || only.includes(plan.name));
}
