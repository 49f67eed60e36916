/**
 * Secret-holding values that never print their content.
 *
 * `Redacted` wraps a secret so that `console.log`, `util.inspect`, template
 * strings and `JSON.stringify` all show `<redacted>`; the holder must call
 * `reveal()` on purpose. `wipe` zeroes temporaries: JavaScript cannot
 * guarantee no copy survives in the heap (SECURITY.md says so), but wiping
 * the buffers we own shortens how long secrets sit in memory.
 */

const REDACTED = '<redacted>';

/** Makes `util.inspect` (and so `console.log`) print `Label(<redacted>)` for a class's instances. */
export function redactInspection(target: { prototype: object; name: string }): void {
  Object.defineProperty(target.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => `${target.name}(${REDACTED})`,
  });
}

/** A secret that prints as `<redacted>`. */
export class Redacted<T> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  /** The secret itself. Call only where the secret is meant to be used or shown. */
  reveal(): T {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
}
redactInspection(Redacted);

/** Zeroes every given buffer. */
export function wipe(...buffers: ReadonlyArray<Uint8Array | undefined>): void {
  for (const buffer of buffers) buffer?.fill(0);
}
