export {
  createTargetRecordStore,
  targetRefFor,
  TARGET_RECORDS_MIGRATIONS,
  type Queryable,
  type TargetRef,
  type TargetRecord,
  type TargetRecordStore,
} from './target-records.js';
export { createParkingStore } from './parking-store.js';
export { createDependencyCache, dependencyMissing, type DependencyCache, type DependencyCacheParams } from './dependency-cache.js';
export { createWritePath, unwrapMapped, type ForceOption, type UpsertSteps, type WriteDecided, type WritePath, type WriteResult } from './write-path.js';
export { WriterEnv, runWriterService, type ConnectionHandlerDeps, type WriterDefinition } from './service.js';
export {
  SUPPLIER_LEAVES,
  SUPPLIER_LEAVES_READ,
  createSupplierSync,
  createSyncStateStore,
  groupOf,
  leafHash,
  planSupplierSync,
  supplierWithGroups,
  syncedLeaves,
  type PlanParams,
  type SupplierAdmission,
  type SupplierAdmitted,
  type SupplierLeaf,
  type SupplierRules,
  type SupplierSyncParams,
  type SupplierSyncPlan,
  type SyncState,
  type SyncStateStore,
  type SyncedLeaf,
} from './supplier-sync.js';
export { createRateLimiterFactory, rateLimitLeaseSource, type RateLimitKey, type RateLimitMode, type RateLimiterFactoryParams } from './rate-limits.js';
export { forgetConnection, WRITER_CONNECTION_TABLES } from './forget.js';
