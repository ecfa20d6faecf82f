export {
  buildInforSimulator,
  startInforSimulator,
  type InforSimulator,
  type InforSimulatorOptions,
  type StartedInforSimulator,
} from './server.js';
export { IonApiFile, type IonApiCredentials } from './ionapi.js';
export type { InforSizes, M3State } from './m3/state.js';
export type { MiResponse, MiResult } from './m3/execute.js';
