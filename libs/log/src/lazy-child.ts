import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const CHILD = Symbol('lazy child');
const ARGS = Symbol('lazy child arguments');

interface Lazy {
  [CHILD]?: Logger;
  [ARGS]: [Bindings, ChildLoggerOptions | undefined];
}

// One prototype per parent (a server has one logger): a lazy child is then one small object.
const prototypes = new WeakMap<Logger, object>();

function prototypeFor(parent: Logger): object {
  const known = prototypes.get(parent);
  if (known !== undefined) return known;
  const real = (lazy: Lazy): Logger => (lazy[CHILD] ??= parent.child(...lazy[ARGS]));
  // Everything not defined here (pino's symbols, `flush`, `on`, ...) is the parent's.
  const proto = Object.create(parent) as Record<string, unknown>;
  for (const level of LEVELS) {
    proto[level] = function log(this: Lazy, ...args: unknown[]): void {
      // The parent's level decides until the child exists (it has the parent's level then).
      if (this[CHILD] === undefined && !parent.isLevelEnabled(level)) return;
      (real(this)[level] as (...a: unknown[]) => void)(...args);
    };
  }
  proto.child = function child(this: Lazy, bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return real(this).child(bindings, options);
  };
  proto.bindings = function bindings(this: Lazy): Bindings {
    return real(this).bindings();
  };
  proto.setBindings = function setBindings(this: Lazy, bindings: Bindings): void {
    real(this).setBindings(bindings);
  };
  proto.isLevelEnabled = function isLevelEnabled(this: Lazy, level: string): boolean {
    return (this[CHILD] ?? parent).isLevelEnabled(level);
  };
  Object.defineProperty(proto, 'level', {
    get(this: Lazy) {
      return (this[CHILD] ?? parent).level;
    },
    set(this: Lazy, level: string) {
      real(this).level = level;
    },
  });
  prototypes.set(parent, proto);
  return proto;
}

/**
 * `parent.child(bindings, options)`, made only when something is logged at a level the parent
 * has enabled (or the child is asked for its bindings, a child, or a level of its own). For
 * per-request loggers (fastify's `childLoggerFactory`): a request that logs nothing makes no
 * child, whose bindings redaction and serialisation cost more than the rest of a small request's
 * logging. With a level of its own in `options`, the child is made at once.
 */
export function lazyChild(parent: Logger, bindings: Bindings, options?: ChildLoggerOptions): Logger {
  if (options?.level !== undefined) return parent.child(bindings, options);
  const lazy = Object.create(prototypeFor(parent)) as Lazy;
  lazy[ARGS] = [bindings, options];
  return lazy as unknown as Logger;
}
