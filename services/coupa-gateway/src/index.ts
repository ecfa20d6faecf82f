export { buildGatewayApp, type GatewayAppParams, type GatewayConnection } from './app.js';
export { GatewayEnv, gatewayConnections } from './config.js';
export { COUPA_EVENT_ENTITIES, normalize, type CoupaEventType, type GatewayEntity, type NormalizeParams, type Normalized } from './normalize.js';
export { createDeliveryLog, createExpiry, createRejectionLog, type Delivery, type DeliveryClaim, type DeliveryLog, type DeliveryOutcome, type Rejection, type RejectionLog } from './stores.js';
export { GATEWAY_MIGRATIONS } from './migrations.js';
export { verifySignature } from './auth.js';
export { createBatchingPublisher, type BatchingPublisherParams } from './batching.js';
export { createOrderLineIndex, type FetchOrderLines, type OrderLine, type OrderLineIndex } from './order-lines.js';
export { forgetConnection, GATEWAY_CONNECTION_TABLES } from './forget.js';
