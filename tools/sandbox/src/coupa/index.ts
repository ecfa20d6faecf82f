export { buildCoupaSimulator, startCoupaSimulator } from './simulator.js';
export type { CoupaSimulator, CoupaCredentials } from './simulator.js';
export type { CoupaSimulatorOptions } from './options.js';
export { EVENT_TYPES as COUPA_EVENT_TYPES, sign as signCoupaCallout } from './callouts.js';
export type { EventType as CoupaEventType, Delivery as CoupaCalloutDelivery } from './callouts.js';
/** Seeding a simulator's state directly (benches filling it with 100k records faster than its API allows). */
export { createSupplier as createCoupaSupplierRecord } from './state.js';
export { SupplierCreate as CoupaSupplierCreate } from './inputs.js';
