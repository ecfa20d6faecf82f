import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commandCpuSeconds, commandOfStat, cpuSeconds, cpuSecondsOfStat, machineBusySeconds, machineBusySecondsOfStat } from './proc-cpu.js';

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

test('the command name of a stat line, parentheses and spaces in it included', () => {
  assert.equal(commandOfStat('4242 (node (tsx) x) S 1 4242'), 'node (tsx) x');
  assert.equal(commandOfStat('7 (postgres) S 1 7'), 'postgres');
});

test('CPU of the processes named alike: this node process is among those named node', { skip: process.platform !== 'linux' }, () => {
  const own = commandOfStat(readFileSync('/proc/self/stat', 'utf8'));
  const escaped = own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.ok((commandCpuSeconds(new RegExp(`^${escaped}$`)) ?? -1) >= (cpuSeconds(process.pid) ?? 0));
  assert.equal(commandCpuSeconds(/^no process is named this$/), 0);
});

test('the machine is busy for user, nice, system, irq, softirq and steal time, not idle or iowait', () => {
  assert.equal(machineBusySecondsOfStat('cpu  100 20 30 5000 700 4 6 40 0 0\ncpu0 50 10 15 2500 350 2 3 20 0 0\n'), 2);
  assert.throws(() => machineBusySecondsOfStat('intr 1 2 3'), /not \/proc\/stat/);
  if (process.platform === 'linux') assert.ok((machineBusySeconds() ?? -1) > 0);
});
