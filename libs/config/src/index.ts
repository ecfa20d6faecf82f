export { Secret } from './secret.js';
export { parseConfig, configError, type ConfigIssue } from './issues.js';
export { InfraEnv, loadEnv } from './env.js';
export {
  connectionsFileSchema,
  loadConnections,
  connectionById,
  type ConnectionSchemaOptions,
  type ConnectionsFile,
  type Connection,
  type SysproConnection,
  type CoupaConnection,
  type InforConnection,
} from './connections.js';
