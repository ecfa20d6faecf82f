import { MlcError } from '@mlc/errors';

/** A record this event refers to is not in the target yet: retried in place until it is. */
export function dependencyMissing(message: string, context: Record<string, unknown>): MlcError {
  return new MlcError('MLC_DEPENDENCY_MISSING', message, { context });
}

export interface DependencyCache {
  /** Whether `key` exists in the target: from the cache while a confirmation is fresh, else by asking `exists` (remembered only when true). */
  confirm(key: string, exists: () => Promise<boolean>): Promise<boolean>;
  /** `confirm`, throwing MLC_DEPENDENCY_MISSING with `message` and `context` when the record is not there. */
  require(key: string, exists: () => Promise<boolean>, missing: { message: string; context: Record<string, unknown> }): Promise<void>;
}

export interface DependencyCacheParams {
  /** How long a confirmed dependency is trusted without asking the target again. */
  ttlMs?: number;
  /** Confirmations kept; the oldest go first. A writer sees many suppliers, accounts and orders over a day. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Remembers dependencies (a PO's supplier, its account values) the target confirmed, so a burst of
 * orders for one supplier asks the target once. A missing dependency is never remembered: it is
 * asked again on the retry, when it may have arrived.
 */
export function createDependencyCache({ ttlMs = 60_000, maxEntries = 10_000, now = Date.now }: DependencyCacheParams = {}): DependencyCache {
  // Map iteration is insertion order: re-inserting on confirmation keeps the oldest first.
  const confirmedUntil = new Map<string, number>();

  async function confirm(key: string, exists: () => Promise<boolean>): Promise<boolean> {
    const until = confirmedUntil.get(key);
    if (until !== undefined && until > now()) return true;
    confirmedUntil.delete(key);
    if (!(await exists())) return false;
    confirmedUntil.set(key, now() + ttlMs);
    for (const oldest of confirmedUntil.keys()) {
      if (confirmedUntil.size <= maxEntries) break;
      confirmedUntil.delete(oldest);
    }
    return true;
  }

  return {
    confirm,
    async require(key, exists, missing) {
      if (!(await confirm(key, exists))) throw dependencyMissing(missing.message, missing.context);
    },
  };
}
