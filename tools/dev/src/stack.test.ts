import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stackOnExit, startedParts } from './stack.js';

test('startedParts: the parts an `up` run started, not those already running', () => {
  const lines = [
    '[stack] postgres: postgres@127.0.0.1:5432/mlc exists',
    '[stack] kafka: already running (pid 10)',
    '[stack] registry: started (pid 12), waiting until ready',
    '[stack] kafka-2: started (pid 13), waiting until ready',
  ];
  assert.deepEqual(startedParts(lines), ['registry', 'kafka-2']);
  assert.deepEqual(startedParts(['[stack] kafka: already running (pid 10)']), []);
});

test('stackOnExit: down only what this run started, unless asked otherwise; never infrastructure given from outside', () => {
  const base = { explicitInfra: false, started: [] as string[], withStackDown: false, keepStack: false };
  assert.equal(stackOnExit(base), 'was-running');
  assert.equal(stackOnExit({ ...base, started: ['kafka'] }), 'down');
  assert.equal(stackOnExit({ ...base, started: ['kafka'], keepStack: true }), 'kept');
  assert.equal(stackOnExit({ ...base, withStackDown: true }), 'down');
  assert.equal(stackOnExit({ ...base, explicitInfra: true, started: ['kafka'], withStackDown: true }), 'not-ours');
});
