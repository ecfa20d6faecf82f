export {};
export { buildCoupaSimulator, startCoupaSimulator, COUPA_EVENT_TYPES, signCoupaCallout, type CoupaSimulator, type CoupaCredentials, type CoupaSimulatorOptions, type CoupaEventType, type CoupaCalloutDelivery } from './coupa/index.js';
