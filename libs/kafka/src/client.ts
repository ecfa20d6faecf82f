import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '@mlc/log';

export interface CreateKafkaClientParams {
  clientId: string;
  brokers: readonly string[];
  logger: Logger;
  /** kafkajs logs below this level are dropped (its INFO level is chatty about every rebalance). */
  level?: logLevel;
}

const TO_PINO: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through our pino logger (JSON, redaction) instead of stdout. */
export function createKafkaClient({ clientId, brokers, logger, level = logLevel.WARN }: CreateKafkaClientParams): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: level,
    logCreator:
      () =>
      ({ namespace, level: entryLevel, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[TO_PINO[entryLevel] ?? 'info']({ namespace, ...rest }, message);
      },
  });
}
