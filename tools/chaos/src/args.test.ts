import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChaosArgs, UsageError } from './args.js';

const known = ['kill-all', 'vendor-down'];

test('flags and scenario names, in any order, names deduplicated', () => {
  assert.deepEqual(parseChaosArgs(['--short', 'vendor-down', '--json', 'kill-all', 'vendor-down'], known), {
    short: true,
    json: true,
    list: false,
    help: false,
    names: ['vendor-down', 'kill-all'],
  });
  assert.deepEqual(parseChaosArgs([], known).names, []);
});

test('an unknown option or scenario is a usage error naming the choices', () => {
  assert.throws(() => parseChaosArgs(['--fast'], known), UsageError);
  assert.throws(() => parseChaosArgs(['kill-al'], known), /unknown scenario "kill-al"; there are: kill-all, vendor-down/);
});

test('--parallel takes a small number', () => {
  assert.equal(parseChaosArgs(['--parallel', '2', 'kill-all'], known).parallel, 2);
  assert.equal(parseChaosArgs([], known).parallel, undefined);
  assert.throws(() => parseChaosArgs(['--parallel', 'x'], known), /--parallel takes a number/);
  assert.throws(() => parseChaosArgs(['--parallel'], known), /--parallel takes a number/);
});
