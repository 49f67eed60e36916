/**
 * STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over ChaCha20-Poly1305,
 * the online authenticated encryption age and Tink use for files: a long
 * plaintext is cut into chunks and each chunk is sealed under one key with
 * the nonce
 *
 *   | 11 bytes: chunk index, big-endian | 1 byte: 0x01 on the last chunk, else 0x00 |
 *
 * so a chunk moved to another index, a stream cut at a chunk boundary (its
 * new last chunk was sealed as "not last"), or chunks spliced from another
 * stream (another key) all fail to open. The key must be fresh and random
 * per stream (blobs draw one per version): the nonces are deterministic,
 * so a key must never seal two streams.
 *
 * The AAD binds each chunk to where it lives (store, blob; crypto/aad.ts).
 *
 * Native path: node:crypto's RFC 8439 ChaCha20-Poly1305 (no HChaCha per
 * chunk); `@noble/ciphers` is the fallback and the reference twin in tests.
 * Output of a seal is ciphertext || 16-byte tag.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { InvalidArgumentError } from '../errors.ts';
import { KEY_LENGTH } from './keys.ts';
import { chachaPolyOpen, chachaPolySealInto } from './chacha-native.ts';
import { hasNativeChaCha, TAG_LENGTH } from './xchacha.ts';

/** Bytes a sealed chunk adds to its plaintext. */
export const CHUNK_OVERHEAD: number = TAG_LENGTH;
/** Largest chunk index: 2^53 - 1 (the counter field has room for 2^88). */
export const MAX_CHUNK_INDEX: number = Number.MAX_SAFE_INTEGER;

/** The 12-byte nonce of chunk `index`. */
export function chunkNonce(index: number, last: boolean): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`chunk index must be an integer in [0, 2^53), got ${index}`);
  const nonce = new Uint8Array(12);
  // Bytes 0..2 stay zero: indexes stop at 2^53. High 21 bits, then low 32.
  const high = Math.floor(index / 0x1_0000_0000);
  const low = index >>> 0;
  nonce[3] = (high >>> 24) & 0xff;
  nonce[4] = (high >>> 16) & 0xff;
  nonce[5] = (high >>> 8) & 0xff;
  nonce[6] = high & 0xff;
  nonce[7] = low >>> 24;
  nonce[8] = (low >>> 16) & 0xff;
  nonce[9] = (low >>> 8) & 0xff;
  nonce[10] = low & 0xff;
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** One implementation of the chunk cipher (native or noble), same bytes. */
export interface StreamImpl {
  readonly name: string;
  /** Writes ciphertext || tag of `plaintext` into `out` at `offset`. */
  sealInto(out: Uint8Array, offset: number, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): void;
  /** The plaintext, or undefined if the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
}

export const nativeStream: StreamImpl = {
  name: 'node:crypto',
  sealInto: chachaPolySealInto,
  open: chachaPolyOpen,
};

export const nobleStream: StreamImpl = {
  name: '@noble/ciphers',
  sealInto(out, offset, key, nonce, plaintext, aad) {
    out.set(chacha20poly1305(key, nonce, aad).encrypt(plaintext), offset);
  },
  open(key, nonce, sealed, aad) {
    if (sealed.length < TAG_LENGTH) return undefined;
    try {
      return chacha20poly1305(key, nonce, aad).decrypt(sealed);
    } catch {
      return undefined;
    }
  },
};

const defaultStream: StreamImpl = hasNativeChaCha ? nativeStream : nobleStream;

/**
 * The chunk cipher of one stream: its key and AAD, fixed at construction.
 * Holds a copy of the key; `wipe()` zeroes it.
 */
export class StreamCipher {
  readonly #key: Uint8Array;
  readonly #aad: Uint8Array;
  readonly #impl: StreamImpl;

  constructor(key: Uint8Array, aad: Uint8Array, impl: StreamImpl = defaultStream) {
    if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) throw new InvalidArgumentError('key', `a Uint8Array of ${KEY_LENGTH} bytes`, key);
    this.#key = key.slice();
    this.#aad = aad.slice();
    this.#impl = impl;
  }

  /** Seals chunk `index` into `out` at `offset` (room for plaintext + 16 bytes). */
  sealInto(out: Uint8Array, offset: number, index: number, last: boolean, plaintext: Uint8Array): void {
    this.#impl.sealInto(out, offset, this.#key, chunkNonce(index, last), plaintext, this.#aad);
  }

  /** Sealed chunk `index` as a new array. */
  seal(index: number, last: boolean, plaintext: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + CHUNK_OVERHEAD);
    this.sealInto(out, 0, index, last, plaintext);
    return out;
  }

  /** The plaintext of chunk `index`, or undefined when it does not authenticate there. */
  open(index: number, last: boolean, sealed: Uint8Array): Uint8Array | undefined {
    return this.#impl.open(this.#key, chunkNonce(index, last), sealed, this.#aad);
  }

  wipe(): void {
    this.#key.fill(0);
  }
}
