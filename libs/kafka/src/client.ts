import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { kafkaSecurity, type InfraEnv, type KafkaSecurity, type SaslSettings } from '@mlc/config';
import { createTokenProvider, fetchOAuth2Token } from '@mlc/http';
import type { Logger } from '@mlc/log';
import { kafkajsLogLevel } from './kafkajs-log.js';

export interface CreateKafkaClientParams {
  clientId: string;
  brokers: readonly string[];
  logger: Logger;
  /** kafkajs logs below this level are dropped (its INFO level is chatty about every rebalance). */
  level?: logLevel;
  /** TLS, SASL and connection deadlines; unset: plaintext, kafkajs' deadlines. Build it with `kafkaSecurity(env)`. */
  security?: KafkaSecurity;
  /** kafkajs' retry of connects and requests; tests shorten it. */
  retry?: KafkaConfig['retry'];
}

// Refresh OAUTHBEARER tokens a minute before they expire: kafkajs asks for one on every new
// broker connection and re-authentication.
const TOKEN_REFRESH_BEFORE_SECONDS = 60;

/**
 * kafkajs' SASL options. Passwords are read through getters, at each authentication: kafkajs keeps
 * this object and reads `password` when a connection authenticates, so a rotated password file
 * applies to the next connection without a restart, and the value never sits in a config object.
 */
function saslOptions(sasl: SaslSettings, logger: Logger): SASLOptions {
  if (sasl.mechanism === 'oauthbearer') {
    const { tokenUrl, clientId, clientSecret, scope } = sasl;
    const tokens = createTokenProvider({
      name: 'kafka-oauthbearer',
      refreshBeforeSeconds: TOKEN_REFRESH_BEFORE_SECONDS,
      logger,
      fetchToken: () =>
        fetchOAuth2Token({ grant: 'client_credentials', tokenUrl, clientId, clientSecret: clientSecret().reveal(), clientAuth: 'basic', ...(scope === undefined ? {} : { scope }) }),
    });
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await tokens.getToken() }) };
  }
  const { mechanism, username, password } = sasl;
  return {
    mechanism,
    username,
    get password() {
      return password().reveal();
    },
  } as SASLOptions;
}

function securityOptions(security: KafkaSecurity, logger: Logger): Partial<KafkaConfig> {
  const { ssl, sasl, connectionTimeoutMs, authenticationTimeoutMs } = security;
  return {
    connectionTimeout: connectionTimeoutMs,
    authenticationTimeout: authenticationTimeoutMs,
    ...(ssl === undefined
      ? {}
      : {
          // No switch turns certificate checks off: a private CA goes in KAFKA_SSL_CA_FILE.
          ssl: {
            rejectUnauthorized: true,
            ...(ssl.ca === undefined ? {} : { ca: [ssl.ca] }),
            ...(ssl.cert === undefined ? {} : { cert: ssl.cert }),
            ...(ssl.key === undefined ? {} : { key: ssl.key.reveal() }),
            ...(ssl.servername === undefined ? {} : { servername: ssl.servername }),
          },
        }),
    ...(sasl === undefined ? {} : { sasl: saslOptions(sasl, logger) }),
  };
}

/** A kafkajs client whose own logs go through our pino logger (JSON, redaction) instead of stdout. */
export function createKafkaClient({ clientId, brokers, logger, level = logLevel.WARN, security, retry }: CreateKafkaClientParams): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: level,
    ...(security === undefined ? {} : securityOptions(security, log)),
    ...(retry === undefined ? {} : { retry }),
    logCreator:
      () =>
      ({ namespace, level: entryLevel, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[kafkajsLogLevel(entryLevel, entry)]({ namespace, ...rest }, message);
      },
  });
}

export type KafkaEnv = Pick<InfraEnv, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID'> & Parameters<typeof kafkaSecurity>[0];

export interface KafkaClientFromEnvParams {
  env: KafkaEnv;
  /** Used when KAFKA_CLIENT_ID is unset (the service or tool name). */
  clientId: string;
  logger: Logger;
  level?: logLevel;
  retry?: KafkaConfig['retry'];
}

/** The one way a process builds its Kafka client from its settings: brokers, client id, TLS and SASL. */
export function kafkaClientFromEnv({ env, clientId, logger, level, retry }: KafkaClientFromEnvParams): Kafka {
  return createKafkaClient({
    clientId: env.KAFKA_CLIENT_ID ?? clientId,
    brokers: env.KAFKA_BROKERS,
    logger,
    security: kafkaSecurity(env),
    ...(level === undefined ? {} : { level }),
    ...(retry === undefined ? {} : { retry }),
  });
}
