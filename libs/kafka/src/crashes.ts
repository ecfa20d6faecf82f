import type { Consumer } from 'kafkajs';
import { toMlcError, type MlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';

export interface WatchCrashesParams {
  groupId: string;
  logger: Logger;
  /**
   * The consumer stopped for good. kafkajs starts a consumer again after a crash it deems
   * retriable; after any other crash (or when `retry.restartOnFailure` says no) it stops consuming
   * while the process lives on: it takes no records, yet its readiness would say nothing. The
   * owner ends the service so that its orchestrator (Kubernetes, `npm start`) starts it again.
   */
  onStopped?: (error: MlcError) => void;
  /** False once the owner is stopping or has replaced this consumer: its crashes are no one's concern. */
  current?: () => boolean;
}

/** Logs a kafkajs consumer's crashes and tells the owner when one stopped it for good. */
export function watchCrashes(consumer: Consumer, { groupId, logger, onStopped, current = () => true }: WatchCrashesParams): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) {
      logger.error({ err: payload.error, restart: true }, 'kafkajs consumer crashed; kafkajs starts it again');
      return;
    }
    if (!current()) return;
    const error = toMlcError(payload.error, { groupId, operation: 'consume' });
    logger.error({ err: payload.error, restart: false, code: error.code }, `kafkajs consumer crashed and stopped for good${onStopped === undefined ? '' : '; ending the service so that it is started again'}`);
    onStopped?.(error);
  });
}
