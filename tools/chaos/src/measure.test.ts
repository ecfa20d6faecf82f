import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, deadLetterProblem, failed, type ScenarioResult } from './measure.js';

test('compareKeys counts records present, duplicate creates and lost records; other target records are ignored', () => {
  const c = compareKeys(['A', 'B', 'C', 'D'], ['A', 'B', 'B', 'B', 'X', 'D', 'Y']);
  assert.deepEqual(c, { inTarget: 5, duplicates: 2, lost: 1, lostKeys: ['C'] });
});

test('compareKeys of an empty target loses everything, of an empty source nothing', () => {
  assert.deepEqual(compareKeys(['A', 'B'], []), { inTarget: 0, duplicates: 0, lost: 2, lostKeys: ['A', 'B'] });
  assert.deepEqual(compareKeys([], ['A']), { inTarget: 0, duplicates: 0, lost: 0, lostKeys: [] });
});

const ok: ScenarioResult = { scenario: 's', sent: 3, inTarget: 3, duplicates: 0, lost: 0, deadLettered: 0, recoverMs: 10, trailGaps: 0, problems: [], seconds: 1 };

test('a row fails on lost, duplicates, trail gaps, other problems or an error; dead letters alone do not fail it', () => {
  assert.equal(failed(ok), false);
  assert.equal(failed({ ...ok, deadLettered: 2 }), false);
  assert.equal(failed({ ...ok, trailGaps: null }), false);
  assert.equal(failed({ ...ok, lost: 1 }), true);
  assert.equal(failed({ ...ok, duplicates: 1 }), true);
  assert.equal(failed({ ...ok, trailGaps: 1 }), true);
  assert.equal(failed({ ...ok, problems: ['stale'] }), true);
  assert.equal(failed({ ...ok, error: 'boom' }), true);
});

test('a dead letter fails a scenario of valid records and transient faults, naming its codes; one that expects dead letters does not fail on them', () => {
  assert.equal(deadLetterProblem(ok, false), undefined);
  assert.equal(
    deadLetterProblem({ deadLettered: 2, deadLetterCodes: { 'syspro-writer MLC_SCHEMA_INCOMPATIBLE': 1, 'infor-writer MLC_CONFIG_INVALID': 1 } }, false),
    '2 dead-lettered (1× infor-writer MLC_CONFIG_INVALID, 1× syspro-writer MLC_SCHEMA_INCOMPATIBLE): a transient fault must be retried, never dead-lettered',
  );
  assert.equal(deadLetterProblem({ deadLettered: 1 }, false), '1 dead-lettered: a transient fault must be retried, never dead-lettered');
  assert.equal(deadLetterProblem({ deadLettered: 3 }, true), undefined);
});
