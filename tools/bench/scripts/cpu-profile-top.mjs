#!/usr/bin/env node
// Summarises a `node --cpu-prof` profile over the phase of a bench you care about (a dev aid for
// README "Where the time goes"; no tests, not part of any build).
//
//   node tools/bench/scripts/cpu-profile-top.mjs <file.cpuprofile> <window-regex> [top=30]
//
// The window runs from the first to the last sample whose stack has a frame whose
// "<function> <file>:<line>" matches <window-regex>, e.g. '^processMessage .*runtime\.ts' (the
// kafka bench's runtime consume phase) or 'batching\.ts' (the gateway bench's coalesced phase).
// Prints, as % of the busy (non-idle) samples in the window: self time per package or module,
// self time per function, and inclusive time of our code and a few library entry points.
import { readFileSync } from 'node:fs';

const [file, marker, topN = '30'] = process.argv.slice(2);
if (!file || !marker) {
  console.error('usage: cpu-profile-top.mjs <file.cpuprofile> <window-regex> [top]');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const short = (u) => u.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/(libs|services|tools)\//, '$1/');
const label = (n) => `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const windowRe = new RegExp(marker);
const inWindow = new Map();
const stackMatches = (id) => {
  if (!inWindow.has(id)) inWindow.set(id, windowRe.test(label(byId.get(id))) || (parent.has(id) && stackMatches(parent.get(id))));
  return inWindow.get(id);
};
let first = -1;
let last = -1;
profile.samples.forEach((id, i) => {
  if (stackMatches(id)) {
    if (first < 0) first = i;
    last = i;
  }
});
if (first < 0) {
  console.error(`no sample matches ${marker}`);
  process.exit(1);
}
const moduleOf = (n) => {
  const name = n.callFrame.functionName;
  const url = n.callFrame.url;
  if (name === '(garbage collector)') return '(gc)';
  if (name === '(program)') return '(program)';
  if (url.includes('node_modules/')) {
    const rest = url.split('node_modules/').at(-1);
    return rest.split('/').slice(0, rest.startsWith('@') ? 2 : 1).join('/');
  }
  if (!url || url.startsWith('node:')) return '(node internals)';
  return short(url).split('/').slice(0, 2).join('/');
};
const self = new Map();
const perModule = new Map();
const inclusive = new Map();
const add = (map, key, dt) => map.set(key, (map.get(key) ?? 0) + dt);
let total = 0;
let idle = 0;
for (let i = first; i <= last; i += 1) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const n = byId.get(profile.samples[i]);
  total += dt;
  if (n.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  add(self, label(n), dt);
  add(perModule, moduleOf(n), dt);
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id));
    if (!seen.has(l)) {
      seen.add(l);
      add(inclusive, l, dt);
    }
  }
}
const busy = total - idle;
const pct = (v) => `${((100 * v) / busy).toFixed(1).padStart(5)} %`;
const top = (map, n, filter = () => true) => [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`window ${((profile.timeDeltas.slice(first + 1, last + 1).reduce((a, b) => a + b, 0)) / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / total).toFixed(0)} %)`);
console.log('\nself time by package/module:');
for (const [k, v] of top(perModule, 15)) console.log(`  ${pct(v)}  ${k}`);
console.log('\nself time by function:');
for (const [k, v] of top(self, Number(topN))) console.log(`  ${pct(v)}  ${k}`);
console.log('\ninclusive time, our code and library entry points:');
const ours = /libs\/|services\/|tools\/bench|kafkajs\/src\/(producer|consumer\/runner|protocol\/requests)|zod|fastify|pg\//;
for (const [k, v] of top(inclusive, Number(topN) + 15, (k) => ours.test(k))) console.log(`  ${pct(v)}  ${k}`);
