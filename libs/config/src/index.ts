export { Secret, safeEqual, type SecretReload } from './secret.js';
export { parseConfig, configError, type ConfigIssue } from './issues.js';
export { DatabaseEnv, InfraEnv, databaseTimeouts, loadEnv } from './env.js';
export {
  TransportSecurityEnv,
  kafkaSecurity,
  registrySecurity,
  type KafkaSecurity,
  type RegistrySecurity,
  type SaslSettings,
  type SecretSource,
  type TlsSettings,
} from './transport-security.js';
export { documentationGaps, envDocumentationGaps, schemaKeys } from './schema-keys.js';
export {
  connectionsFileSchema,
  readConnections,
  storedSecretNames,
  FILE_SECRET_TTL_MS,
  type SecretStore,
  type StoredSecrets,
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
