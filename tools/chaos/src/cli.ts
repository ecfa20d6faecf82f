// `npm run chaos [-- --short --json <scenario> ...]`: fault scenarios against private
// infrastructure, the sandbox and the real services; one table. See ../README.md.
import { parseChaosArgs, USAGE, UsageError } from './args.js';
import { startInfra, type Infra } from './infra.js';
import type { ScenarioResult } from './measure.js';
import { exitCode, renderFailedLogs, renderTable, verdict } from './report.js';
import { FULL, runScenario, runScenarios, SHORT } from './runner.js';
import { ALL_SCENARIOS } from './scenarios.js';
import { killAllServices } from './services.js';

const begun = Date.now();
const say = (line: string) => process.stderr.write(`[chaos ${String(Math.round((Date.now() - begun) / 1000)).padStart(4)} s] ${line}\n`);

let infra: Infra | undefined;
let stopping = false;
async function cleanUp(): Promise<void> {
  killAllServices();
  const owned = infra;
  infra = undefined;
  await owned?.close();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the services and the private Kafka, registry and PostgreSQL`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(argv: string[]): Promise<number> {
  const options = parseChaosArgs(
    argv,
    ALL_SCENARIOS.map((s) => s.name),
  );
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.list) {
    for (const s of ALL_SCENARIOS) console.log(`${s.name.padEnd(24)} ${s.summary}`);
    return 0;
  }
  const chosen = options.names.length === 0 ? ALL_SCENARIOS : ALL_SCENARIOS.filter((s) => options.names.includes(s.name));
  const sizes = options.short ? SHORT : FULL;
  const started = Date.now();
  say(`${chosen.length} scenario(s), ${options.short ? 'short' : 'full'} form: ${sizes.records} records per source before each fault, outages of ${sizes.outageMs / 1000} s`);
  infra = await startInfra({ say, keep: process.env.MLC_CHAOS_KEEP === '1' });
  const owned = infra;
  let results: ScenarioResult[] = [];
  try {
    results = await runScenarios(chosen, {
      concurrency: options.parallel ?? (options.short ? 3 : 2),
      stopped: () => stopping,
      run: async (scenario) => {
        const result = await runScenario(scenario, { infra: owned, sizes, short: options.short, say });
        say(`${scenario.name}: ${verdict(result)} (${result.seconds.toFixed(0)} s)`);
        return result;
      },
    });
  } finally {
    await cleanUp();
  }
  const logs = renderFailedLogs(results);
  if (logs !== '' && !options.json) process.stderr.write(`\n${logs}\n`);
  if (options.json) console.log(JSON.stringify({ short: options.short, seconds: (Date.now() - started) / 1000, results }, null, 2));
  else console.log(`\n${renderTable(results)}\n\n${options.short ? 'short' : 'full'} run, ${((Date.now() - started) / 60_000).toFixed(1)} minutes`);
  return exitCode(results);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error);
    await cleanUp().catch(() => undefined);
    process.exit(1);
  },
);
