import { setTimeout as delay } from 'node:timers/promises';
import type { Sleep } from './types.js';

export const defaultSleep: Sleep = async (ms, signal) => {
  if (ms <= 0) {
    signal?.throwIfAborted();
    return;
  }
  await delay(ms, undefined, { signal });
};
