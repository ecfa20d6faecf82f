import type { Bench } from './bench.js';

/**
 * Every bench, by the name given to `npm run bench -- <name>`. Adding one is one line here: a
 * module whose default export is a `Bench`. Loaded lazily, so a bench's dependencies only load
 * when it runs.
 */
export const BENCHES: Readonly<Record<string, () => Promise<{ default: Bench }>>> = {
  kafka: () => import('./kafka.js'),
  audit: () => import('./audit.js'),
  infor: () => import('./infor.js'),
  gateway: () => import('./gateway.js'),
  'callout-to-m3': () => import('./callout-to-m3.js'),
  'syspro-to-coupa': () => import('./syspro-to-coupa.js'),
  'limiter-replicas': () => import('./limiter-replicas.js'),
  memory: () => import('./memory.js'),
  reconcile: () => import('./reconcile.js'),
};
