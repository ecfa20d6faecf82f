import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScenarioResult } from './measure.js';
import { exitCode, renderFailedLogs, renderTable, verdict } from './report.js';

const row = (fields: Partial<ScenarioResult>): ScenarioResult => ({
  scenario: 'kill-all',
  sent: 120,
  inTarget: 120,
  duplicates: 0,
  lost: 0,
  deadLettered: 0,
  recoverMs: 12_345,
  trailGaps: 0,
  problems: [],
  seconds: 60,
  ...fields,
});

test('the table has one aligned row per scenario with the columns of the issue', () => {
  const table = renderTable([row({}), row({ scenario: 'vendor-down', inTarget: 100, lost: 20, deadLettered: 20, recoverMs: null })]);
  const lines = table.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /\| scenario +\| sent \| in target \| duplicates \| lost \| dead-lettered \| time to recover \| trail gaps \| result/);
  assert.match(lines[2]!, /^\| kill-all +\| +120 \| +120 \| +0 \| +0 \| +0 \| 12\.3 s +\| +0 \| ok +\|$/);
  assert.match(lines[3]!, /vendor-down .*\| +20 \| +20 \| never .*FAIL: 20 lost/);
  assert.equal(new Set(lines.map((l) => l.length)).size, 1);
});

test('verdict names every failed check; an error shows no recovery time', () => {
  assert.equal(verdict(row({ duplicates: 2, trailGaps: 3, problems: ['1 forged call-outs reached M3'] })), 'FAIL: 2 duplicates; 3 without trail; 1 forged call-outs reached M3');
  assert.match(renderTable([row({ error: 'broker did not start' })]), /\| — +\| +0 \| FAIL: error: broker did not start/);
});

test('exit code 1 when any scenario lost or duplicated records', () => {
  assert.equal(exitCode([row({}), row({})]), 0);
  assert.equal(exitCode([row({}), row({ lost: 1 })]), 1);
  assert.equal(exitCode([row({ duplicates: 1 })]), 1);
});

test('renderFailedLogs shows the digests of failed rows only', () => {
  const passed: ScenarioResult = { scenario: 'fine', sent: 1, inTarget: 1, duplicates: 0, lost: 0, deadLettered: 0, recoverMs: 1, trailGaps: null, problems: [], seconds: 1, logs: { a: ['x'] } };
  const lost: ScenarioResult = { ...passed, scenario: 'bad', inTarget: 0, lost: 1, logs: { 'coupa-writer': ['00:00:01.000 ERROR boom {}'], audit: [] } };
  assert.equal(
    renderFailedLogs([passed, lost]),
    [
      '== bad: FAIL: 1 lost',
      '-- bad / coupa-writer: the last 1 warnings, errors and supervisor lines',
      '   00:00:01.000 ERROR boom {}',
      '-- bad / audit: no warning or error',
    ].join('\n'),
  );
  assert.equal(renderFailedLogs([passed]), '');
});
