import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSeconds, cpuSecondsOfStat } from './proc-cpu.js';

test('CPU seconds are utime + stime + cutime + cstime, counted after the command name', () => {
  const stat = '4242 (node (tsx) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 20 5 20 0 11 0 1000 100000 5000';
  assert.equal(cpuSecondsOfStat(stat), 3.5);
  assert.throws(() => cpuSecondsOfStat('garbage'), /not a \/proc/);
  assert.throws(() => cpuSecondsOfStat('1 (x) S 1'), /no CPU times/);
});

test('this process has a CPU time; a pid that is not running has none', { skip: process.platform !== 'linux' }, () => {
  assert.ok((cpuSeconds(process.pid) ?? -1) >= 0);
  assert.equal(cpuSeconds(2 ** 22 + 1), undefined);
});
