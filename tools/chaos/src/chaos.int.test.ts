// mlc-test-timeout: 2400000
// The short form of every chaos scenario (`npm run chaos -- --short`), as CI runs it: its own
// Kafka, registry and PostgreSQL, the sandbox and the real services; every scenario must end with
// nothing lost, nothing duplicated, nothing dead-lettered (a problem of the row) and every
// record's trail complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInfra } from './infra.js';
import { renderFailedLogs, renderTable } from './report.js';
import { runScenario, runScenarios, SHORT } from './runner.js';
import { ALL_SCENARIOS } from './scenarios.js';
import { killAllServices } from './services.js';

/**
 * Scenarios allowed to fail, each reported as a todo (its failure shown, not counted), with the
 * reason. Empty: every scenario must pass.
 */
const EXPECTED_TO_FAIL: Readonly<Record<string, string>> = {};

test('chaos: every scenario, short form, loses and duplicates nothing', { timeout: 38 * 60_000 }, async (t) => {
  const say = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
  const infra = await startInfra({ say });
  const cleanUp = async () => {
    killAllServices();
    await infra.close();
  };
  // The test runner ends a file that overruns its timeout with a signal: stop what we started.
  const onSignal = () => void cleanUp().finally(() => process.exit(1));
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  t.after(async () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await cleanUp();
  });
  const results = await runScenarios(ALL_SCENARIOS, {
    concurrency: 2,
    run: (scenario) => runScenario(scenario, { infra, sizes: SHORT, short: true, say }),
  });
  process.stderr.write(`\n${renderTable(results)}\n\n`);
  // The run's folder goes with it: what the failed rows' services logged is printed here.
  const logs = renderFailedLogs(results);
  if (logs !== '') process.stderr.write(`${logs}\n\n`);
  for (const result of results) {
    const todo = EXPECTED_TO_FAIL[result.scenario];
    await t.test(result.scenario, todo === undefined ? {} : { todo }, () => {
      assert.equal(result.error, undefined, `the scenario did not run to the end: ${result.error}`);
      assert.equal(result.lost, 0, 'records lost');
      assert.equal(result.duplicates, 0, 'duplicate creates');
      assert.equal(result.inTarget, result.sent, 'every record in its target');
      // null: audit did not run (the short form runs it in kill-audit and kill-all only).
      assert.equal(result.trailGaps ?? 0, 0, 'records without a complete trail in audit');
      assert.deepEqual(result.problems, []);
    });
  }
});
