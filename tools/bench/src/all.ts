import { BenchUsageError, type Bench, type BenchArgs, type BenchEnv } from './bench.js';
import type { BenchOutcome } from './summary.js';

/**
 * `npm run bench -- all [--skip a,b] [--json]`: every registered bench in turn with its defaults,
 * each printing its own output as usual; a bench that fails becomes a FAILED row and the rest
 * still run. The caller renders the returned outcomes.
 */
export async function runAll(benches: Readonly<Record<string, () => Promise<{ default: Bench }>>>, args: BenchArgs, env: BenchEnv): Promise<BenchOutcome[]> {
  const unknownOption = Object.keys(args).find((name) => name !== 'skip' && name !== 'json');
  if (unknownOption !== undefined) throw new BenchUsageError(`all takes --skip name,name and --json, not --${unknownOption} (run a bench alone to pass it options)`);
  const skip = new Set((args.skip ?? '').split(',').filter((name) => name !== ''));
  const unknownSkip = [...skip].find((name) => !(name in benches));
  if (unknownSkip !== undefined) throw new BenchUsageError(`--skip: unknown bench ${JSON.stringify(unknownSkip)}`);
  const outcomes: BenchOutcome[] = [];
  for (const [name, load] of Object.entries(benches)) {
    if (skip.has(name)) continue;
    console.log(`\n=== ${name} ===`);
    const started = performance.now();
    try {
      const rows = await (await load()).default.run({}, env);
      outcomes.push({ bench: name, seconds: (performance.now() - started) / 1000, rows });
    } catch (error) {
      console.error(`bench ${name} failed:`, error);
      outcomes.push({ bench: name, seconds: (performance.now() - started) / 1000, rows: [], error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}
