import { createRequire } from 'node:module';
import { logLevel } from 'kafkajs';

// kafkajs's own table of the Kafka protocol's errors, with whether it retries each. Its entry point
// does not export it; kafkajs 2.x keeps it here (the one place this module depends on its layout).
const { errorCodes } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
  errorCodes: ReadonlyArray<{ type: string; message: string; retriable: boolean }>;
};

/** Messages of the protocol errors kafkajs retries itself: a coordinator loading, a leader moving, a transaction's markers still being written. */
const RETRIED_BY_KAFKAJS: ReadonlySet<string> = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));

/** How kafkajs's producer words a send it is about to retry. */
const SEND_FAILED = 'Failed to send messages: ';

/**
 * How kafkajs's connection words a CreateTopics answer with errors in it. Services that start
 * together race to create the same topics, and every loser's answer says `Topic creation errors`
 * (TOPIC_ALREADY_EXISTS); `ensureTopics` settles the race and throws a real failure itself.
 */
const CREATE_TOPICS_ANSWER = 'Response CreateTopics(';

export type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

const TO_PINO: Record<number, PinoLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The level a kafkajs log entry is logged at. kafkajs logs at error level every protocol error a
 * broker answers, and every send that failed, before it retries them: a group coordinator still
 * loading, a partition's leader moving, a transaction whose commit markers are still being written
 * (CONCURRENT_TRANSACTIONS, which a poller met at every start). That is a cluster's ordinary
 * weather, and kafkajs retries it; at error level it reads as a failure to an operator. Such an
 * entry is a warning, as is a CreateTopics answer with errors (above). A failure that outlasts the
 * retries reaches our code, which logs it as an error with its context; every other kafkajs error
 * stays an error.
 */
export function kafkajsLogLevel(level: logLevel, entry: { message: string; error?: unknown }): PinoLevel {
  const pino = TO_PINO[level] ?? 'info';
  if (pino !== 'error') return pino;
  if (entry.message.startsWith(CREATE_TOPICS_ANSWER)) return 'warn';
  const error = typeof entry.error === 'string' ? entry.error : entry.message.startsWith(SEND_FAILED) ? entry.message.slice(SEND_FAILED.length) : entry.message;
  return RETRIED_BY_KAFKAJS.has(error) ? 'warn' : 'error';
}
