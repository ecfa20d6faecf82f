export { buildSysproSimulator, startSysproSimulator, SysproSimulatorOptions, SysproSizes } from './simulator.js';
export type { SysproSimulator, SysproSimulatorApp } from './simulator.js';
export type { SysproStore } from './data/store.js';
export type { Credentials as SysproCredentials, OperatorAccount as SysproOperatorAccount } from './accounts.js';
