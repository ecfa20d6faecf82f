import { accessSync, constants, readFileSync } from 'node:fs';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import type { ConfigIssue } from './issues.js';
import { Secret } from './secret.js';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

// A path is checked for readability when the environment is read, so a missing mount is reported
// with every other problem at start, naming its variable; its content is read when a client is built.
const readableFile = z
  .string()
  .min(1)
  .refine(
    (path) => {
      try {
        accessSync(path, constants.R_OK);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'file not readable' },
  );

const secretLiteral = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How services reach Kafka and the schema registry securely: TLS (a private CA, a client
 * certificate for mTLS), SASL (PLAIN, SCRAM, OAUTHBEARER with client credentials) and registry
 * basic auth. Part of InfraEnv, so every service and `mlc` take the same settings. Combinations are
 * checked by `transportSecurityIssues` (a refinement here would stop `InfraEnv.extend`).
 */
export const TransportSecurityEnv = z.object({
  KAFKA_SSL: flag.default(false).describe('connect to Kafka over TLS'),
  KAFKA_SSL_CA_FILE: readableFile.optional().describe("PEM CA bundle that signs the brokers' certificates (unset: the system CAs)"),
  KAFKA_SSL_CERT_FILE: readableFile.optional().describe('PEM client certificate (mTLS); needs KAFKA_SSL_KEY_FILE'),
  KAFKA_SSL_KEY_FILE: readableFile.optional().describe('PEM private key of the client certificate (unencrypted PKCS#8 or PKCS#1)'),
  KAFKA_SSL_SERVERNAME: z.string().min(1).optional().describe("host name the brokers' certificates are checked against, when it is not the address dialled"),
  KAFKA_SASL_MECHANISM: z.enum(SASL_MECHANISMS).optional().describe('SASL mechanism: plain, scram-sha-256, scram-sha-512 or oauthbearer'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: secretLiteral.optional().describe('the SASL password; or KAFKA_SASL_PASSWORD_FILE'),
  KAFKA_SASL_PASSWORD_FILE: readableFile.optional().describe('file holding the SASL password, read at every authentication (a rotated mounted Secret applies on reconnect)'),
  KAFKA_SASL_OAUTH_TOKEN_URL: z.url().optional().describe('OAUTHBEARER: OAuth 2.0 token endpoint (client credentials grant)'),
  KAFKA_SASL_OAUTH_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SASL_OAUTH_CLIENT_SECRET: secretLiteral.optional().describe('OAUTHBEARER client secret; or KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE'),
  KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE: readableFile.optional(),
  KAFKA_SASL_OAUTH_SCOPE: z.string().min(1).optional(),
  KAFKA_CONNECTION_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000).describe('TCP + TLS connect deadline per broker connection'),
  KAFKA_AUTHENTICATION_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000).describe('SASL authentication deadline'),
  SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional().describe('registry HTTP basic auth user'),
  SCHEMA_REGISTRY_PASSWORD: secretLiteral.optional().describe('registry basic auth password; or SCHEMA_REGISTRY_PASSWORD_FILE'),
  SCHEMA_REGISTRY_PASSWORD_FILE: readableFile.optional(),
  SCHEMA_REGISTRY_CA_FILE: readableFile.optional().describe("PEM CA bundle that signs the registry's certificate (https URLs)"),
});
export type TransportSecurityEnv = z.infer<typeof TransportSecurityEnv>;

const set = (values: Record<string, string>, name: string) => values[name] !== undefined && values[name].trim() !== '';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Half-configured combinations, checked on the raw variables (so with every other problem):
 * each issue names the variable to set or unset.
 */
export function transportSecurityIssues(values: Record<string, string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const has = (name: string) => set(values, name);
  const need = (name: string, message: string) => {
    if (!has(name)) issues.push({ path: name, message });
  };
  const oneOf = (literal: string, file: string, why: string) => {
    if (has(literal) && has(file)) issues.push({ path: file, message: `set ${literal} or ${file}, not both` });
    else if (!has(literal) && !has(file)) issues.push({ path: literal, message: `required (or ${file}) ${why}` });
  };
  const ssl = values.KAFKA_SSL === 'true';

  for (const name of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_SERVERNAME']) {
    if (has(name) && !ssl) issues.push({ path: 'KAFKA_SSL', message: `must be true when ${name} is set` });
  }
  if (has('KAFKA_SSL_CERT_FILE') !== has('KAFKA_SSL_KEY_FILE')) {
    const missing = has('KAFKA_SSL_CERT_FILE') ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE';
    issues.push({ path: missing, message: 'a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE' });
  }

  const mechanism = values.KAFKA_SASL_MECHANISM;
  const passwordVars = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'];
  const oauthVars = ['KAFKA_SASL_OAUTH_TOKEN_URL', 'KAFKA_SASL_OAUTH_CLIENT_ID', 'KAFKA_SASL_OAUTH_CLIENT_SECRET', 'KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE', 'KAFKA_SASL_OAUTH_SCOPE'];
  if (mechanism === undefined || mechanism === '') {
    const stray = [...passwordVars, ...oauthVars].filter(has);
    if (stray.length > 0) issues.push({ path: 'KAFKA_SASL_MECHANISM', message: `required when ${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set` });
  } else if (mechanism === 'oauthbearer') {
    need('KAFKA_SASL_OAUTH_TOKEN_URL', 'required for oauthbearer');
    need('KAFKA_SASL_OAUTH_CLIENT_ID', 'required for oauthbearer');
    oneOf('KAFKA_SASL_OAUTH_CLIENT_SECRET', 'KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE', 'for oauthbearer');
    for (const name of passwordVars.filter(has)) issues.push({ path: name, message: 'not used with oauthbearer; unset it' });
  } else if ((SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    need('KAFKA_SASL_USERNAME', `required for ${mechanism}`);
    oneOf('KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE', `for ${mechanism}`);
    for (const name of oauthVars.filter(has)) issues.push({ path: name, message: `not used with ${mechanism}; unset it` });
  }
  // PLAIN sends the password and OAUTHBEARER the token as they are: never over a plaintext socket.
  if ((mechanism === 'plain' || mechanism === 'oauthbearer') && !ssl) {
    issues.push({ path: 'KAFKA_SSL', message: `must be true with KAFKA_SASL_MECHANISM=${mechanism} (it sends the credential in clear)` });
  }

  const registryAuth = ['SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD_FILE'].some(has);
  if (registryAuth) {
    need('SCHEMA_REGISTRY_USERNAME', 'required when a registry password is set');
    oneOf('SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD_FILE', 'when SCHEMA_REGISTRY_USERNAME is set');
  }
  const url = URL.canParse(values.SCHEMA_REGISTRY_URL ?? '') ? new URL(values.SCHEMA_REGISTRY_URL!) : undefined;
  if (url !== undefined && url.protocol === 'http:') {
    if (has('SCHEMA_REGISTRY_CA_FILE')) issues.push({ path: 'SCHEMA_REGISTRY_CA_FILE', message: 'set, but SCHEMA_REGISTRY_URL is not https' });
    // Basic auth in clear is only acceptable to a registry on this machine.
    if (registryAuth && !LOOPBACK.has(url.hostname)) {
      issues.push({ path: 'SCHEMA_REGISTRY_URL', message: 'must be https when registry credentials are set (or a loopback address)' });
    }
  }
  return issues;
}

/** Where a credential comes from: read at each use, so a rotated mounted file applies. */
export type SecretSource = () => Secret;

/** TLS for a client: PEM texts read from the configured files. */
export interface TlsSettings {
  ca?: string;
  cert?: string;
  key?: Secret;
  servername?: string;
}

export type SaslSettings =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: SecretSource }
  | { mechanism: 'oauthbearer'; tokenUrl: string; clientId: string; clientSecret: SecretSource; scope?: string };

export interface KafkaSecurity {
  /** TLS on (with these settings) or off. */
  ssl?: TlsSettings;
  sasl?: SaslSettings;
  connectionTimeoutMs: number;
  authenticationTimeoutMs: number;
}

export interface RegistrySecurity {
  auth?: { username: string; password: SecretSource };
  ca?: string;
}

function readPem(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new MlcError('MLC_CONFIG_INVALID', `${variable}: cannot read ${path}: ${(error as Error).message}`, { context: { variable, path } });
  }
}

function secretSource(literal: Secret | undefined, file: string | undefined, variable: string): SecretSource {
  if (literal !== undefined) return () => literal;
  if (file === undefined) throw new MlcError('MLC_CONFIG_INVALID', `${variable} or ${variable}_FILE is required`, { context: { variable } });
  // Mounted Kubernetes Secrets end with a newline more often than not; no credential ends with one.
  return () => new Secret(readPem(file, `${variable}_FILE`).trim());
}

type KafkaSecurityInput = Pick<
  TransportSecurityEnv,
  | 'KAFKA_SSL'
  | 'KAFKA_SSL_CA_FILE'
  | 'KAFKA_SSL_CERT_FILE'
  | 'KAFKA_SSL_KEY_FILE'
  | 'KAFKA_SSL_SERVERNAME'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
  | 'KAFKA_SASL_PASSWORD_FILE'
  | 'KAFKA_SASL_OAUTH_TOKEN_URL'
  | 'KAFKA_SASL_OAUTH_CLIENT_ID'
  | 'KAFKA_SASL_OAUTH_CLIENT_SECRET'
  | 'KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE'
  | 'KAFKA_SASL_OAUTH_SCOPE'
  | 'KAFKA_CONNECTION_TIMEOUT_MS'
  | 'KAFKA_AUTHENTICATION_TIMEOUT_MS'
>;

/** The Kafka client's security from validated settings; reads the PEM files. */
export function kafkaSecurity(env: KafkaSecurityInput): KafkaSecurity {
  const ssl: TlsSettings | undefined = env.KAFKA_SSL
    ? {
        ...(env.KAFKA_SSL_CA_FILE === undefined ? {} : { ca: readPem(env.KAFKA_SSL_CA_FILE, 'KAFKA_SSL_CA_FILE') }),
        ...(env.KAFKA_SSL_CERT_FILE === undefined ? {} : { cert: readPem(env.KAFKA_SSL_CERT_FILE, 'KAFKA_SSL_CERT_FILE') }),
        ...(env.KAFKA_SSL_KEY_FILE === undefined ? {} : { key: new Secret(readPem(env.KAFKA_SSL_KEY_FILE, 'KAFKA_SSL_KEY_FILE')) }),
        ...(env.KAFKA_SSL_SERVERNAME === undefined ? {} : { servername: env.KAFKA_SSL_SERVERNAME }),
      }
    : undefined;
  let sasl: SaslSettings | undefined;
  const mechanism = env.KAFKA_SASL_MECHANISM;
  if (mechanism === 'oauthbearer') {
    sasl = {
      mechanism,
      tokenUrl: required(env.KAFKA_SASL_OAUTH_TOKEN_URL, 'KAFKA_SASL_OAUTH_TOKEN_URL'),
      clientId: required(env.KAFKA_SASL_OAUTH_CLIENT_ID, 'KAFKA_SASL_OAUTH_CLIENT_ID'),
      clientSecret: secretSource(env.KAFKA_SASL_OAUTH_CLIENT_SECRET, env.KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE, 'KAFKA_SASL_OAUTH_CLIENT_SECRET'),
      ...(env.KAFKA_SASL_OAUTH_SCOPE === undefined ? {} : { scope: env.KAFKA_SASL_OAUTH_SCOPE }),
    };
  } else if (mechanism !== undefined) {
    sasl = {
      mechanism,
      username: required(env.KAFKA_SASL_USERNAME, 'KAFKA_SASL_USERNAME'),
      password: secretSource(env.KAFKA_SASL_PASSWORD, env.KAFKA_SASL_PASSWORD_FILE, 'KAFKA_SASL_PASSWORD'),
    };
  }
  return {
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
    connectionTimeoutMs: env.KAFKA_CONNECTION_TIMEOUT_MS,
    authenticationTimeoutMs: env.KAFKA_AUTHENTICATION_TIMEOUT_MS,
  };
}

type RegistrySecurityInput = Pick<TransportSecurityEnv, 'SCHEMA_REGISTRY_USERNAME' | 'SCHEMA_REGISTRY_PASSWORD' | 'SCHEMA_REGISTRY_PASSWORD_FILE' | 'SCHEMA_REGISTRY_CA_FILE'>;

/** The registry client's basic auth and CA from validated settings. */
export function registrySecurity(env: RegistrySecurityInput): RegistrySecurity {
  return {
    ...(env.SCHEMA_REGISTRY_USERNAME === undefined
      ? {}
      : {
          auth: {
            username: env.SCHEMA_REGISTRY_USERNAME,
            password: secretSource(env.SCHEMA_REGISTRY_PASSWORD, env.SCHEMA_REGISTRY_PASSWORD_FILE, 'SCHEMA_REGISTRY_PASSWORD'),
          },
        }),
    ...(env.SCHEMA_REGISTRY_CA_FILE === undefined ? {} : { ca: readPem(env.SCHEMA_REGISTRY_CA_FILE, 'SCHEMA_REGISTRY_CA_FILE') }),
  };
}

function required(value: string | undefined, variable: string): string {
  if (value === undefined) throw new MlcError('MLC_CONFIG_INVALID', `${variable} is required`, { context: { variable } });
  return value;
}
