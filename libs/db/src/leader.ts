import pg from 'pg';
import { setTimeout as delay } from 'node:timers/promises';
import { MlcError, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import { sessionTimeoutSettings } from './pool.js';

/** A dedicated Postgres session (a pg Client, connected); the lock lives and dies with it. */
export interface LockSession {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  end(): Promise<void>;
}

export type LeaderState = 'standby' | 'leader' | 'stopped';

export interface LeaderWork {
  /** Runs while this replica holds the lock; resolves once started. */
  start(): Promise<void>;
  /** Finishes in-flight work; called when the lock is lost or on stop. */
  stop(): Promise<void>;
}

export interface CreateLeaderParams {
  /** Opens a new session: never a pooled connection, which would carry the lock to other users. */
  connect: () => Promise<LockSession>;
  /** Lock name, e.g. `syspro-poller:<connection>` or `infor-poller:<connection>`. */
  name: string;
  work: LeaderWork;
  logger: Logger;
  /** How often a standby tries the lock and a leader checks that its session is alive. */
  retryMs?: number;
  /**
   * Longest wait for an answer to the lock attempt and to the leader's liveness check (and for
   * the session to end). A PostgreSQL that does not answer (hung, or the network silently gone)
   * then makes a leader step down and a standby retry, instead of freezing in the wait.
   * Default 10 s.
   */
  checkTimeoutMs?: number;
  onStateChange?: (state: LeaderState) => void;
}

export interface Leader {
  /** Starts contending in the background; returns at once. */
  start(): void;
  /** Stops the work if leading, releases the lock, ends the session. */
  stop(): Promise<void>;
  state(): LeaderState;
}

const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** `work`, or MLC_DB_UNAVAILABLE once `ms` have passed without an answer. */
async function within<T>(work: Promise<T>, ms: number, context: Record<string, unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MlcError('MLC_DB_UNAVAILABLE', `no answer from PostgreSQL within ${ms} ms (${String(context.step)})`, { context: { ...context, timeoutMs: ms } })), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Same namespace as @mlc/db's migration locks ("mlc"), so ours never collide with another tool's.
const LOCK_NAMESPACE = 0x6d6c63;

/**
 * One active replica per lock name: a session-level Postgres advisory lock on a dedicated
 * connection. A standby tries every `retryMs`; the lock frees when the leader releases it or its
 * session dies (process killed, network lost), and a standby takes over. A leader whose session
 * fails stops its work at once: Kafka fencing (transactional.id) is the second line of defence
 * should a stale leader still be mid-transaction when the next one starts.
 */
export function createLeader({ connect, name, work, logger, retryMs = 5000, checkTimeoutMs = DEFAULT_CHECK_TIMEOUT_MS, onStateChange }: CreateLeaderParams): Leader {
  const log = logger.child({ component: 'leader', lock: name });
  let current: LeaderState = 'standby';
  const abort = new AbortController();
  let loop: Promise<void> | undefined;

  const setState = (state: LeaderState): void => {
    if (state === current) return;
    current = state;
    log.info({ state }, 'leadership changed');
    onStateChange?.(state);
  };

  async function tryLock(session: LockSession): Promise<boolean> {
    const { rows } = await within(session.query('select pg_try_advisory_lock($1, hashtext($2)) as locked', [LOCK_NAMESPACE, name]), checkTimeoutMs, { lock: name, step: 'lock attempt' });
    return rows[0]?.locked === true;
  }

  // Resolves with the reason the session can no longer be trusted, or on stop.
  function watch(session: LockSession): Promise<MlcError | undefined> {
    return new Promise((resolve) => {
      session.on('error', (error) => resolve(toMlcError(error, { lock: name })));
      session.on('end', () => resolve(toMlcError(new Error('lock session ended'), { lock: name })));
      abort.signal.addEventListener('abort', () => resolve(undefined), { once: true });
      void (async () => {
        while (!abort.signal.aborted) {
          await delay(retryMs, undefined, { signal: abort.signal }).catch(() => undefined);
          if (abort.signal.aborted) return;
          try {
            await within(session.query('select 1'), checkTimeoutMs, { lock: name, step: 'liveness check' });
          } catch (error) {
            resolve(toMlcError(error, { lock: name }));
            return;
          }
        }
      })();
    });
  }

  async function lead(session: LockSession): Promise<void> {
    const lost = watch(session);
    setState('leader');
    let reason: MlcError | undefined;
    try {
      await work.start();
      reason = await lost;
    } catch (error) {
      reason = toMlcError(error, { lock: name });
    }
    if (reason !== undefined) log.error({ err: reason, code: reason.code }, 'leadership ended; stopping work');
    await work.stop().catch((error: unknown) => log.error({ err: error }, 'stopping work failed'));
  }

  async function run(): Promise<void> {
    while (!abort.signal.aborted) {
      let session: LockSession | undefined;
      try {
        const connecting = connect();
        session = await within(connecting, checkTimeoutMs, { lock: name, step: 'connect' }).catch((error: unknown) => {
          // A session that connects after we gave up on it must not stay open.
          void connecting.then((late) => late.end()).catch(() => undefined);
          throw error;
        });
        // Errors of an idle pg client are emitted as events; unhandled they would crash the process.
        session.on('error', () => undefined);
        while (!abort.signal.aborted && !(await tryLock(session))) {
          setState('standby');
          await delay(retryMs, undefined, { signal: abort.signal }).catch(() => undefined);
        }
        if (!abort.signal.aborted) await lead(session);
      } catch (error) {
        log.warn({ err: error }, 'lock session failed; retrying');
      } finally {
        if (current === 'leader') setState('standby');
        // Ending the session releases a session-level advisory lock. A server that does not answer
        // may not let it end: the wait is bounded, and the lock dies with the server's session.
        if (session !== undefined) await within(session.end(), checkTimeoutMs, { lock: name, step: 'session end' }).catch(() => undefined);
      }
      if (!abort.signal.aborted) await delay(retryMs, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  }

  return {
    start() {
      loop ??= run();
    },
    async stop() {
      abort.abort();
      await loop;
      setState('stopped');
    },
    state: () => current,
  };
}

export interface LockSessionOptions {
  /** Statement timeout of the session (its read timeout a little above); default that of pools. */
  statementTimeoutMs?: number;
  /** How long connecting may take. Default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * `connect` for a leader: a new Client of its own on `databaseUrl` (never from a pool), kept alive
 * so a dead peer is noticed and the lock freed, its statements bounded by a statement timeout
 * and a read timeout. Ending it closes the socket outright when the server does not answer.
 */
export function lockSessionOn(databaseUrl: string, applicationName: string, { statementTimeoutMs, connectTimeoutMs = 10_000 }: LockSessionOptions = {}): () => Promise<LockSession> {
  return async () => {
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: applicationName,
      keepAlive: true,
      connectionTimeoutMillis: connectTimeoutMs,
      // No lock_timeout: the session takes only try-locks.
      ...sessionTimeoutSettings({ ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }), lockTimeoutMs: 0 }),
    });
    try {
      await client.connect();
    } catch (error) {
      client.connection.stream.destroy();
      throw error;
    }
    return {
      query: (text, values) => client.query(text, values),
      on: (event: 'error' | 'end', listener: ((error: Error) => void) | (() => void)) => client.on(event as 'error', listener as (error: Error) => void),
      end: async () => {
        const ended = client.end();
        const timer = setTimeout(() => client.connection.stream.destroy(), connectTimeoutMs);
        try {
          await ended;
        } finally {
          clearTimeout(timer);
        }
      },
    };
  };
}

/** What a process does for one connection while it leads it. */
export interface ConnectionWork extends LeaderWork {
  /** What readiness shows of the work (null while this replica does not lead the connection). */
  status(): unknown;
  onStateChange?: (state: LeaderState) => void;
}

export interface ConnectionLeadersParams<C extends { id: string }> {
  /** The service: locks are `<service>:<connection>`, their sessions' application name `<service>-lock`. */
  service: string;
  connections: readonly C[];
  databaseUrl: string;
  statementTimeoutMs?: number | undefined;
  /** How often a standby tries a lock. */
  retryMs: number;
  logger: Logger;
  /** The connection's work, made once per connection; `log` is bound to the connection. */
  work: (connection: C, log: Logger) => ConnectionWork;
}

export interface ConnectionLeaders {
  /** Ready while no leader has stopped: a standby is healthy, it waits for the lock by design. */
  readiness(): Promise<{ ok: boolean; details: { connections: Record<string, { role: LeaderState; status: unknown }> } }>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One leader lock per connection a process serves: across replicas each connection's work runs in
 * exactly one of them, and a standby takes over when its leader goes. The shell every poller shares;
 * what a connection's work is stays the poller's.
 */
export function createConnectionLeaders<C extends { id: string }>({ service, connections, databaseUrl, statementTimeoutMs, retryMs, logger, work }: ConnectionLeadersParams<C>): ConnectionLeaders {
  const connect = lockSessionOn(databaseUrl, `${service}-lock`, { statementTimeoutMs });
  const leaders = connections.map((connection) => {
    const log = logger.child({ connection: connection.id });
    const w = work(connection, log);
    const leader = createLeader({ name: `${service}:${connection.id}`, logger: log, retryMs, connect, work: w, ...(w.onStateChange ? { onStateChange: w.onStateChange } : {}) });
    return { id: connection.id, leader, status: () => w.status() };
  });
  return {
    readiness: async () => ({
      ok: leaders.every((l) => l.leader.state() !== 'stopped'),
      details: { connections: Object.fromEntries(leaders.map((l) => [l.id, { role: l.leader.state(), status: l.status() }])) },
    }),
    start: async () => {
      for (const l of leaders) l.leader.start();
    },
    stop: async () => {
      await Promise.all(leaders.map((l) => l.leader.stop()));
    },
  };
}
