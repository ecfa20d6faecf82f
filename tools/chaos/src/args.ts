export interface ChaosOptions {
  short: boolean;
  json: boolean;
  list: boolean;
  help: boolean;
  /** Scenarios at once (those that fault the shared infrastructure always run alone). */
  parallel?: number;
  /** Scenario names to run; empty: all. */
  names: string[];
}

export const USAGE = `usage: npm run chaos -- [--short] [--json] [--list] [scenario ...]
  (no names)  every scenario, full size (a few hundred records, outages of 45 s; 20-40 minutes)
  --short     small and quick (12 records, 6 s outages): what CI runs
  --json      the results as JSON on stdout instead of the table
  --parallel n  scenarios at once (default 3 short, 2 full); broker, registry and
              PostgreSQL scenarios always run alone
  --list      the scenario names and what each does`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--short --json kill-all vendor-down` → options; unknown flags and names are usage errors. */
export function parseChaosArgs(argv: readonly string[], known: readonly string[]): ChaosOptions {
  const options: ChaosOptions = { short: false, json: false, list: false, help: false, names: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--parallel') {
      const n = Number(argv[i + 1]);
      if (!Number.isInteger(n) || n < 1 || n > 8) throw new UsageError(`--parallel takes a number from 1 to 8\n${USAGE}`);
      options.parallel = n;
      i += 1;
    } else if (arg === '--short') options.short = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    else if (!known.includes(arg)) throw new UsageError(`unknown scenario ${JSON.stringify(arg)}; there are: ${known.join(', ')}`);
    else if (!options.names.includes(arg)) options.names.push(arg);
  }
  return options;
}
