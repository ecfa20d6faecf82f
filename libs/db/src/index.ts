export { createPool, type PoolOptions } from './pool.js';
export { migrate, type MigrateOptions, type MigrationFile } from './migrations.js';
export { isRefusedData, withTransaction } from './transaction.js';
export { createLeader, lockSessionOn, type CreateLeaderParams, type Leader, type LeaderState, type LeaderWork, type LockSession } from './leader.js';
