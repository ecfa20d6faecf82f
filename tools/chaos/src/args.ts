export interface ChaosOptions {
  short: boolean;
  json: boolean;
  list: boolean;
  help: boolean;
  /** Scenario names to run; empty: all. */
  names: string[];
}

export const USAGE = `usage: npm run chaos -- [--short] [--json] [--list] [scenario ...]
  (no names)  every scenario, full size (a few hundred records, outages of 45 s; 20-40 minutes)
  --short     small and quick (12 records, 6 s outages): what CI runs
  --json      the results as JSON on stdout instead of the table
  --list      the scenario names and what each does`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--short --json kill-all vendor-down` → options; unknown flags and names are usage errors. */
export function parseChaosArgs(argv: readonly string[], known: readonly string[]): ChaosOptions {
  const options: ChaosOptions = { short: false, json: false, list: false, help: false, names: [] };
  for (const arg of argv) {
    if (arg === '--short') options.short = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    else if (!known.includes(arg)) throw new UsageError(`unknown scenario ${JSON.stringify(arg)}; there are: ${known.join(', ')}`);
    else if (!options.names.includes(arg)) options.names.push(arg);
  }
  return options;
}
