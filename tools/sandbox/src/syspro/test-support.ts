import { buildSysproSimulator, type SysproSimulatorOptions } from './simulator.js';

export const ODATA = '/SYSPRO8Odata/SYSPROOData/EDU1';
export const ENET = '/SYSPROWCFService/Rest';
export const basic = (user: string, password: string): { authorization: string } => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
export const AUTH = basic('MLC', 'mlc-odata');

/** A simulator for inject tests, closed when the test ends. */
export function build(t: { after: (fn: () => Promise<void>) => void }, options: SysproSimulatorOptions = {}) {
  const sim = buildSysproSimulator(options);
  t.after(() => sim.app.close());
  return sim;
}

/** Path + query of an absolute nextLink, for app.inject. */
export const pathOf = (link: string): string => {
  const url = new URL(link);
  return url.pathname + url.search;
};
