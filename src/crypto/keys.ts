/**
 * Key sizes and the one secret-holding key class the layers pass around.
 *
 * A `SymmetricKey` is 32 bytes that print as `<redacted>` and can be wiped
 * in place; every layer above receives keys as this class, never as loose
 * `Uint8Array`s, so a key cannot be logged or serialized by accident.
 */
import { InvalidArgumentError } from '../errors.ts';
import { redactInspection } from './redacted.ts';

/** Bytes in a symmetric key (XChaCha20-Poly1305, HMAC, HKDF output). */
export const KEY_LENGTH = 32;

/** A 32-byte symmetric key. */
export class SymmetricKey {
  readonly #bytes: Uint8Array;
  #wiped = false;
  /** Takes ownership of `bytes` (they are wiped with the key). */
  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== KEY_LENGTH) {
      throw new InvalidArgumentError('key', `a Uint8Array of ${KEY_LENGTH} bytes`, bytes);
    }
    this.#bytes = bytes;
  }
  /** The raw key bytes, for the crypto layer. Throws once wiped. */
  get bytes(): Uint8Array {
    if (this.#wiped) throw new TypeError('key was wiped');
    return this.#bytes;
  }
  /** True once `wipe()` ran. */
  get wiped(): boolean {
    return this.#wiped;
  }
  /** Zeroes the key; later use throws. */
  wipe(): void {
    this.#bytes.fill(0);
    this.#wiped = true;
  }
  toString(): string {
    return '<redacted>';
  }
  toJSON(): string {
    return '<redacted>';
  }
}
redactInspection(SymmetricKey);
