/** Options after the bench name: `--count 5000 --partitions=3 --json` → { count: '5000', partitions: '3', json: 'true' }. */
export type BenchArgs = Readonly<Record<string, string>>;

/** Where the local stack is; filled from the environment or `.stack/stack.env` by the CLI. */
export interface BenchEnv {
  kafkaBrokers?: string;
  schemaRegistryUrl?: string;
  databaseUrl?: string;
}

/**
 * One line of the `npm run bench -- all` table: what was measured, against what, and the goal
 * (issue 15's table) with whether this run met it. Numbers stay numbers; `renderSummary` formats.
 */
export interface SummaryRow {
  path: string;
  measured: number;
  unit: string;
  /** What the measured value is compared with, measured in the same run (or a configured limit). */
  reference?: { label: string; value: number; unit?: string };
  /** measured / reference, or a share of a limit. */
  ratio?: number;
  /** The goal as written in issue 15, e.g. '≥ 0.5'; absent when the issue sets none. */
  goal?: string;
  /** Whether this run met the goal; absent when the goal is not what this row measures. */
  met?: boolean;
  note?: string;
}

export interface Bench {
  /** One line for `npm run bench -- --help`. */
  description: string;
  /** Runs the benchmark, prints its own numbers to stdout, and returns its summary rows for `all`. */
  run(args: BenchArgs, env: BenchEnv): Promise<SummaryRow[]>;
}

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new BenchUsageError(`unexpected argument ${JSON.stringify(arg)}: options look like --name value or --name=value`);
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      args[arg.slice(2, eq)] = arg.slice(eq + 1);
    } else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) {
      args[arg.slice(2)] = argv[i + 1]!;
      i += 1;
    } else {
      args[arg.slice(2)] = 'true';
    }
  }
  return args;
}

/** A positive integer option with a default; a clear usage error otherwise. */
export function intOption(args: BenchArgs, name: string, fallback: number): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new BenchUsageError(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}
