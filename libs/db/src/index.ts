export { createPool, type PoolOptions } from './pool.js';
export { migrate, type MigrateOptions, type MigrationFile } from './migrations.js';
export { isRefusedData, withTransaction } from './transaction.js';
