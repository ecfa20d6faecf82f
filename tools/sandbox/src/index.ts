export { startSandbox, type Sandbox, type SandboxOptions } from './sandbox.js';
export { coupaEndpoint, sandboxConnections, sysproEndpoints, SANDBOX_MAPPINGS, SANDBOX_SYNC, type SandboxConnectionsInput } from './connections.js';
export {
  buildInforSimulator,
  startInforSimulator,
  IonApiFile,
  type InforSimulator,
  type InforSimulatorOptions,
  type StartedInforSimulator,
  type InforSizes,
  type MiResponse,
  type MiResult,
} from './infor/index.js';
export {
  buildCoupaSimulator,
  startCoupaSimulator,
  createCoupaSupplierRecord,
  CoupaSupplierCreate,
  COUPA_EVENT_TYPES,
  signCoupaCallout,
  type CoupaSimulator,
  type CoupaCredentials,
  type CoupaSimulatorOptions,
  type CoupaEventType,
  type CoupaCalloutDelivery,
} from './coupa/index.js';
export { installFaults, FaultRule, type FaultControl, type LoggedRequest } from './shared/faults.js';
export { createRandom, type Random } from './shared/random.js';
export { buildSysproSimulator, startSysproSimulator, SysproSimulatorOptions, SysproSizes, type SysproSimulator, type SysproSimulatorApp, type SysproStore, type SysproCredentials, type SysproOperatorAccount } from './syspro/index.js';
export { startOidcSimulator, type OidcClient, type OidcSimulator, type OidcSimulatorOptions, type OidcUser } from './oidc/index.js';
