export { createPoller, type CreatePollerParams, type Poller, type PollResult } from './poller.js';
export { advance, continueFrom, pollStart, progressed, SupplierCursor } from './cursor.js';
export { createKafkaCursorStore, createKafkaPagePublisher, CURSOR_TOPIC, EVENT_TOPIC, POLLER_NAME, REJECT_TOPIC } from './kafka-state.js';
export { createPgHashStore, MIGRATIONS_DIR } from './hash-store.js';
export { createPollerMetrics } from './metrics.js';
export { inforPoller } from './service.js';
export type { CursorStore, HashStore, PagePublisher, PageCommit, PollerMetrics, RejectedRecord } from './ports.js';
export { forgetConnection, POLLER_CONNECTION_TABLES } from './forget.js';
