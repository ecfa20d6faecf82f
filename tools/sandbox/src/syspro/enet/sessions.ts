import { randomUUID } from 'node:crypto';

export interface Session {
  id: string;
  operator: string;
  lastUsedMs: number;
}

export interface Sessions {
  open(operator: string): Session;
  /** The live session for `id`, marked as used now; undefined when unknown or idle too long. */
  use(id: string): Session | undefined;
  close(id: string): boolean;
  /** Ends every session now (admin API); returns how many there were. */
  expireAll(): number;
  count(): number;
}

/** e.net sessions (the Logon GUID), ended after `idleSeconds` without a call. */
export function createSessions({ idleSeconds, now }: { idleSeconds: () => number; now: () => number }): Sessions {
  const sessions = new Map<string, Session>();
  const expired = (s: Session): boolean => now() - s.lastUsedMs > idleSeconds() * 1000;
  const sweep = (): void => {
    for (const [id, s] of sessions) if (expired(s)) sessions.delete(id);
  };
  return {
    open(operator) {
      sweep();
      const session = { id: randomUUID().toUpperCase(), operator, lastUsedMs: now() };
      sessions.set(session.id, session);
      return session;
    },
    use(id) {
      const session = sessions.get(id.trim().toUpperCase());
      if (!session) return undefined;
      if (expired(session)) {
        sessions.delete(session.id);
        return undefined;
      }
      session.lastUsedMs = now();
      return session;
    },
    close: (id) => sessions.delete(id.trim().toUpperCase()),
    expireAll() {
      const n = sessions.size;
      sessions.clear();
      return n;
    },
    count() {
      sweep();
      return sessions.size;
    },
  };
}
