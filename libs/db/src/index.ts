export { createPool, type PoolOptions } from './pool.js';
export { migrate, migrationStatus, type MigrateOptions, type MigrationFile, type MigrationStatus } from './migrations.js';
export { isRefusedData, withTransaction } from './transaction.js';
export {
  createConnectionLeaders,
  createLeader,
  lockSessionOn,
  type ConnectionLeaders,
  type ConnectionLeadersParams,
  type ConnectionWork,
  type CreateLeaderParams,
  type Leader,
  type LeaderState,
  type LeaderWork,
  type LockSession,
} from './leader.js';
export { createPollLog, type PollLogParams } from './poll-log.js';
export { deleteConnectionRows } from './forget.js';
export { coalesce, unnestColumns, type CoalesceOptions } from './coalesce.js';
export type { NamedStatement, Queryable } from './queryable.js';
