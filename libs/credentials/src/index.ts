export {
  deriveKeyId,
  masterKeyFrom,
  open,
  parseMasterKeys,
  rewrap,
  seal,
  type MasterKey,
  type MasterKeyLookup,
  type SealedSecret,
  type SecretIdentity,
} from './envelope.js';
export { CredentialsEnv, createKeyRing, keyRingFromEnv, type KeyRing, type KeyRingParams } from './keys.js';
export { CREDENTIALS_MIGRATIONS, CREDENTIAL_NAME, createCredentialStore, type RewrapResult, type CredentialInfo, type CredentialStore, type CreateCredentialStoreParams } from './store.js';
export { secretStoreFromEnv, type StoreForService } from './service-store.js';
