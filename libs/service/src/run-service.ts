import type { Server } from 'node:http';
import type { Logger } from '@mlc/log';
import { clearNotReady, setNotReady } from './readiness.js';
import { reportStartFailure } from './report.js';
import { buildServer, listenInternal, type ServiceServer } from './server.js';

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface RunServiceParams {
  /** Built with `buildServer` (with the service's routes); a bare shell otherwise. */
  server?: ServiceServer;
  port: number;
  /** Serve /healthz, /readyz and /metrics on this port only (not on `port`); unset: on `port`. */
  internalPort?: number | undefined;
  host: string;
  logger: Logger;
  /** Connects and starts the work (consumers, pollers). The service is ready once it resolves. */
  start: () => Promise<void>;
  /** Finishes in-flight work, commits, disconnects. Called once, also after a failed start. */
  stop: () => Promise<void>;
  signals?: readonly NodeJS.Signals[];
  /** Beyond this, shutdown gives up and exits 1 (keep it below the pod's terminationGracePeriod). */
  shutdownTimeoutMs?: number;
  exit?: (code: number) => void;
  signalSource?: SignalSource;
}

export interface RunningService {
  /** The port actually bound (port 0 picks a free one). */
  port: number;
  /** The internal listener's port actually bound, when there is one. */
  internalPort?: number | undefined;
  /**
   * The same shutdown a signal triggers; resolves once `exit` was called. `code` 1: the service
   * failed while running (it exits 1, for its orchestrator to start it again).
   */
  shutdown(reason: string, code?: 0 | 1): Promise<void>;
}

/**
 * Runs a service: listen (probes answer while starting, /readyz says 503), `start()`, then wait
 * for a signal. On the first signal: not ready, `stop()`, close the server, exit 0. A second
 * signal, a failing stop, or the shutdown timeout exit 1. A failed start stops and exits 1.
 */
export async function runService({
  server: given,
  port,
  internalPort: wantedInternalPort,
  host,
  logger,
  start,
  stop,
  signals = ['SIGTERM', 'SIGINT'],
  shutdownTimeoutMs = 30_000,
  exit = (code) => process.exit(code),
  signalSource = process,
}: RunServiceParams): Promise<RunningService> {
  const server = given ?? buildServer({ logger });
  const log = logger.child({ component: 'service' });
  let exited = false;
  let stopping: Promise<void> | undefined;
  let started: Promise<void> = Promise.resolve();
  let internal: Server | undefined;

  const exitOnce = (code: number) => {
    if (exited) return;
    exited = true;
    for (const signal of signals) signalSource.off(signal, onSignal);
    exit(code);
  };

  const shutdown = (reason: string, code = 0): Promise<void> => {
    stopping ??= (async () => {
      setNotReady(server, 'shutting down');
      log.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        log.error({ shutdownTimeoutMs }, 'shutdown timed out; forcing exit');
        exitOnce(1);
      }, shutdownTimeoutMs);
      let exitCode = code;
      try {
        // stop() must see a finished start, never race a half-connected one.
        await started.catch(() => undefined);
        await stop();
      } catch (err) {
        log.error({ err }, 'stop failed');
        exitCode = 1;
      }
      try {
        await server.close();
        if (internal?.listening) await new Promise<void>((resolve) => internal!.close(() => resolve()));
      } catch (err) {
        log.error({ err }, 'closing the server failed');
        exitCode = 1;
      }
      clearTimeout(timer);
      log.info({ exitCode }, 'stopped');
      exitOnce(exitCode);
    })();
    return stopping;
  };

  function onSignal(signal: NodeJS.Signals): void {
    if (stopping !== undefined) {
      log.error({ signal }, 'second signal during shutdown; forcing exit');
      exitOnce(1);
      return;
    }
    void shutdown(signal);
  }

  setNotReady(server, 'starting');
  for (const signal of signals) signalSource.on(signal, onSignal);
  try {
    await server.listen({ port, host });
    if (wantedInternalPort !== undefined) internal = await listenInternal(server, { port: wantedInternalPort, host });
  } catch (err) {
    for (const signal of signals) signalSource.off(signal, onSignal);
    await server.close().catch(() => undefined);
    throw err;
  }
  const address = server.server.address();
  const boundPort = address !== null && typeof address === 'object' ? address.port : port;
  const internalAddress = internal?.address();
  const boundInternalPort = internalAddress !== null && typeof internalAddress === 'object' ? internalAddress.port : undefined;
  log.info({ host, port: boundPort, ...(boundInternalPort === undefined ? {} : { internalPort: boundInternalPort }) }, 'listening');

  started = start();
  try {
    await started;
  } catch (err) {
    reportStartFailure(log, err);
    await shutdown('start failed', 1);
    throw err;
  }
  if (stopping === undefined) {
    clearNotReady(server);
    log.info('ready');
  }
  return { port: boundPort, internalPort: boundInternalPort, shutdown: (reason, code = 0) => shutdown(reason, code) };
}
