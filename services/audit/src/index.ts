export { createAuditConsumer, type AuditConsumer, type CreateAuditConsumerParams } from './consumer.js';
export { AuditEnv } from './env.js';
export { MAX_TRAIL_LIMIT, TrailRequest, parseTrailRequest, registerTrailRoutes, type QueryIssue, type TrailRoutesParams } from './http.js';
export {
  DLQ_STATUSES,
  formatDlqId,
  getDlqRecords,
  listDlq,
  parseDlqId,
  resolveDlqEntries,
  type DlqEntry,
  type DlqFilter,
  type DlqPosition,
  type DlqRecord,
  type DlqStatus,
} from './dlq.js';
export {
  isKnownConnection,
  recordOperatorAction,
  selectEvents,
  updateOperatorActionDetails,
  type ActionRecord,
  type EventSelection,
  type LoggedEvent,
  type OperatorAction,
  type OperatorActionKind,
} from './log-queries.js';
export {
  PARTITIONED_TABLES,
  createPartitionMaintenance,
  expiredPartitions,
  monthsToEnsure,
  partitionName,
  type CreatePartitionMaintenanceParams,
  type PartitionMaintenance,
  type PartitionedTable,
  type RetentionDays,
} from './partitions.js';
export {
  emptyRows,
  parseRecordKey,
  toAuditRow,
  undecodableRow,
  type AuditRow,
  type AuditRows,
  type DlqRow,
  type EventRow,
  type KafkaRecord,
  type OutcomeRow,
  type UndecodableRow,
} from './records.js';
export { AUDIT_MIGRATIONS, createAuditWriter, type AuditWriter, type Db, type InsertResult } from './store.js';
export { auditTopicPattern, classifyTopic, type AuditTopic } from './topics.js';
export { decodeCursor, encodeCursor, queryTrail, type TrailCursor, type TrailItem, type TrailKind, type TrailPage, type TrailQuery, type TrailSubject } from './trail.js';
export { auditDatabaseUrl, prepareAuditDatabase } from './database.js';
export {
  findRecordsByKey,
  getEvent,
  latestCheckRuns,
  listActions,
  outcomeBuckets,
  recordCheckRun,
  type ActionSummary,
  type CheckRun,
  type CheckRunLine,
  type FoundRecord,
  type OutcomeBucket,
  type StoredEvent,
} from './console-queries.js';
export { registerReconcileMetrics, runOf, type ReconcileRun } from './reconcile-metrics.js';
