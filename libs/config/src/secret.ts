import { inspect } from 'node:util';

/**
 * A credential value that cannot leak by accident: printing, logging or serialising it gives
 * `[secret]`. Only `reveal()` hands out the value, at the point where a client needs it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
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
