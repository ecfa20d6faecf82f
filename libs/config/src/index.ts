export { Secret } from './secret.js';
export { parseConfig, configError, type ConfigIssue } from './issues.js';
export { InfraEnv, loadEnv } from './env.js';
export { documentationGaps, schemaKeys } from './schema-keys.js';
export {
  connectionsFileSchema,
  SUPPLIER_FIELD_GROUPS,
  SyncSettings,
  type SupplierFieldGroup,
  loadConnections,
  selectConnections,
  selectOneConnection,
  type ConnectionSchemaOptions,
  type ConnectionsFile,
  type Connection,
  type MappingSchemas,
  type Vendor,
  type WithSection,
  type SysproConnection,
  type CoupaConnection,
  type InforConnection,
} from './connections.js';
