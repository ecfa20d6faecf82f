import { createHmac, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * Where a changing secret is read again: a mounted file a Kubernetes Secret update rewrites, the
 * credentials store. `load` throws (or rejects) when the value cannot be read; the last value is
 * then kept.
 */
export interface SecretReload {
  load: () => string | Promise<string>;
  /** A value this old is read again on its next use. */
  ttlMs: number;
  /** Wall-clock milliseconds (tests). */
  now?: () => number;
}

/**
 * A credential value that cannot leak by accident: printing, logging or serialising it gives
 * `[secret]`. Only `reveal()` hands out the value, at the point where a client needs it.
 *
 * A secret built with a `SecretReload` follows its source: `current()` reads it again once the
 * value is `ttlMs` old, `refresh()` at once (a vendor refused the value we have: it may have been
 * rotated), and `reveal()` hands out the value held and starts a read in the background when it
 * is stale, so code that needs the value synchronously follows a rotation one use later.
 */
export class Secret {
  #value: string;
  readonly #reload: SecretReload | undefined;
  #readAt: number;
  #pending: Promise<string> | undefined;

  constructor(value: string, reload?: SecretReload) {
    this.#value = value;
    this.#reload = reload;
    this.#readAt = reload?.now?.() ?? Date.now();
  }

  reveal(): string {
    if (this.#stale()) void this.refresh();
    return this.#value;
  }

  /** The value held, without reading the source again: for checking a value just loaded (configuration validation). */
  peek(): string {
    return this.#value;
  }

  /** The value, read again first when it is older than the source's TTL. */
  async current(): Promise<string> {
    if (this.#pending !== undefined) return this.#pending;
    return this.#stale() ? this.refresh() : this.#value;
  }

  /**
   * Reads the source now (one read shared by concurrent callers) and returns the value: the new
   * one, or the one held when the source cannot be read. A secret without a source returns its value.
   */
  refresh(): Promise<string> {
    const reload = this.#reload;
    if (reload === undefined) return Promise.resolve(this.#value);
    // Every step after the assignment, in microtasks: a load that throws at once cannot leave a
    // settled promise behind as `#pending`.
    this.#pending ??= Promise.resolve()
      .then(() => reload.load())
      .then(
        (value) => {
          this.#value = value;
        },
        // A file caught mid-update, the database away: the value held is still the best there is.
        () => undefined,
      )
      .then(() => {
        this.#readAt = reload.now?.() ?? Date.now();
        this.#pending = undefined;
        return this.#value;
      });
    return this.#pending;
  }

  #stale(): boolean {
    const reload = this.#reload;
    return reload !== undefined && this.#pending === undefined && (reload.now?.() ?? Date.now()) - this.#readAt >= reload.ttlMs;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return 'Secret([secret])';
  }
}

/**
 * Whether two strings (a presented token or secret and the expected one) are equal, in time that
 * depends on neither where they differ nor their lengths: both are compared as fixed-length digests.
 */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHmac('sha256', 'mlc-compare').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
