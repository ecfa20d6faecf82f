export { buildCoupaSimulator, startCoupaSimulator } from './simulator.js';
export type { CoupaSimulator, CoupaCredentials } from './simulator.js';
export type { CoupaSimulatorOptions } from './options.js';
export { EVENT_TYPES as COUPA_EVENT_TYPES, sign as signCoupaCallout } from './callouts.js';
export type { EventType as CoupaEventType, Delivery as CoupaCalloutDelivery } from './callouts.js';
