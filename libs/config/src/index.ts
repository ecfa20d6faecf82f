export { Secret } from './secret.js';
export { parseConfig, configError, type ConfigIssue } from './issues.js';
export { InfraEnv, loadEnv } from './env.js';
export { documentationGaps, schemaKeys, type SchemaKey } from './schema-keys.js';
export {
  VENDORS,
  connectionsFileSchema,
  loadConnections,
  selectConnections,
  selectOneConnection,
  type ConnectionSchemaOptions,
  type ConnectionsFile,
  type Connection,
  type MappingSchemas,
  type Mappings,
  type SelectConnectionsParams,
  type Vendor,
  type WithSection,
  type SysproConnection,
  type CoupaConnection,
  type InforConnection,
} from './connections.js';
