/**
 * Keyed hashes: HMAC-SHA256 for ids that must not reveal content, and for
 * the header MAC. Uses node:crypto (native); `@noble/hashes` is its twin in
 * tests. Constant-time comparison for verifying tags.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SymmetricKey } from './keys.ts';

/** HMAC-SHA256 bytes of `data`, truncated to `length` (default 32). */
export function keyedHash(key: SymmetricKey, data: Uint8Array, length = 32): Uint8Array {
  const mac = createHmac('sha256', key.bytes).update(data).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, length);
}

/** Constant-time equality for secrets and tags of equal public length. */
export function equalSecret(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An incremental HMAC-SHA256: feed the data piece by piece, then take the tag once. */
export interface KeyedHasher {
  update(data: Uint8Array): void;
  /** The 32-byte tag; the hasher cannot be used afterwards. */
  digest(): Uint8Array;
}

/** Starts an incremental HMAC-SHA256 under `key` (for content of unbounded size). */
export function keyedHasher(key: SymmetricKey): KeyedHasher {
  const mac = createHmac('sha256', key.bytes);
  return {
    update(data) {
      mac.update(data);
    },
    digest() {
      const tag = mac.digest();
      return new Uint8Array(tag.buffer, tag.byteOffset, tag.length);
    },
  };
}
