export { createPoller, type CreatePollerParams, type Poller, type PollResult } from './poller.js';
export { planEntities, POLLED_ENTITIES, type EntityPlan, type StreamPlan } from './entities.js';
export { createKafkaPagePublisher, createKafkaCursorStore, CURSOR_TOPIC, REJECT_TOPIC } from './kafka-state.js';
export { checkResyncRequest, createPgResyncQueue, listResyncRequests, requestResync, type ResyncRequest, type ResyncStatus } from './resync.js';
export { createPgHashStore, MIGRATIONS_DIR } from './hash-store.js';
export { createPollerMetrics } from './metrics.js';
export { LEGACY_EPOCH } from './ports.js';
export type { CursorReset, CursorStore, HashStore, PagePublisher, PageCommit, PendingResync, PollerMetrics, RejectedRow, ResyncQueue, StoredCursor, SysproReader } from './ports.js';
export { forgetConnection, POLLER_CONNECTION_TABLES } from './forget.js';
