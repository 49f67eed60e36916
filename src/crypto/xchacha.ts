/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), two implementations that
 * produce identical bytes:
 *
 * - native: HChaCha20 (noble) derives a subkey from the key and the first 16
 *   nonce bytes (§2.2); then node:crypto's ChaCha20-Poly1305 (RFC 8439) runs
 *   with nonce = 4 zero bytes || last 8 nonce bytes (§2.3.1). OpenSSL's
 *   assembly makes this several times faster than pure JS for large inputs.
 * - noble: `@noble/ciphers` xchacha20poly1305, the fallback where Node lacks
 *   the cipher and the reference twin in tests.
 *
 * Both take an explicit nonce: only aead.ts (which draws it at random) and
 * tests call these. Output is ciphertext || 16-byte tag.
 */
import { getCiphers } from 'node:crypto';
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { chachaPolyOpen, chachaPolySealInto } from './chacha-native.ts';

/** XChaCha20-Poly1305 nonce bytes. */
export const NONCE_LENGTH = 24;
/** Poly1305 tag bytes. */
export const TAG_LENGTH = 16;

/** An XChaCha20-Poly1305 implementation with explicit nonces. */
export interface XChaChaImpl {
  readonly name: string;
  /** Returns ciphertext || tag. */
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Writes ciphertext || tag into `out` at `offset` (which must have room): no intermediate copies. */
  encryptInto(out: Uint8Array, offset: number, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): void;
  /** Returns the plaintext, or undefined if the tag does not verify. */
  decrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
}

// "expand 32-byte k" as little-endian words (RFC 8439 §2.3).
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

// Scratch words for HChaCha20, reused: it runs once per seal/open, and these
// allocations showed in profiles. Wiped after every use; JS is single-threaded.
const keyWords = new Uint32Array(8);
const keyBytes = new Uint8Array(keyWords.buffer);
const nonceWords = new Uint32Array(4);
const nonceBytes = new Uint8Array(nonceWords.buffer);

/** HChaCha20(key, nonce[0..16]) -> 32-byte subkey (draft-irtf-cfrg-xchacha §2.2). */
export function hchachaSubkey(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  // Copies give 4-byte alignment for the word views; noble swaps on BE hosts.
  keyBytes.set(key);
  nonceBytes.set(nonce.subarray(0, 16));
  const out = new Uint32Array(8);
  hchacha(SIGMA, keyWords, nonceWords, out);
  keyWords.fill(0);
  return new Uint8Array(out.buffer);
}

/** The RFC 8439 nonce for XChaCha: 4 zero bytes then nonce[16..24]. */
function innerNonce(nonce: Uint8Array): Uint8Array {
  const iv = new Uint8Array(12);
  iv.set(nonce.subarray(16, 24), 4);
  return iv;
}

/** Same contract as noble: wrong key or nonce lengths are errors, never zero-padded or truncated. */
function checkLengths(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32) throw new RangeError(`XChaCha20-Poly1305 key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== NONCE_LENGTH) throw new RangeError(`XChaCha20-Poly1305 nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);
}

/** node:crypto fast path. */
export const nativeXChaCha: XChaChaImpl = {
  name: 'node:crypto',
  encrypt(key, nonce, plaintext, aad) {
    const out = new Uint8Array(plaintext.length + TAG_LENGTH);
    this.encryptInto(out, 0, key, nonce, plaintext, aad);
    return out;
  },
  encryptInto(out, offset, key, nonce, plaintext, aad) {
    checkLengths(key, nonce);
    const subkey = hchachaSubkey(key, nonce);
    try {
      chachaPolySealInto(out, offset, subkey, innerNonce(nonce), plaintext, aad);
    } finally {
      subkey.fill(0);
    }
  },
  decrypt(key, nonce, sealed, aad) {
    // Like the noble twin: a key or nonce of the wrong length opens nothing.
    if (key.length !== 32 || nonce.length !== NONCE_LENGTH || sealed.length < TAG_LENGTH) return undefined;
    const subkey = hchachaSubkey(key, nonce);
    try {
      return chachaPolyOpen(subkey, innerNonce(nonce), sealed, aad);
    } finally {
      subkey.fill(0);
    }
  },
};

/** Pure-JS twin (@noble/ciphers). */
export const nobleXChaCha: XChaChaImpl = {
  name: '@noble/ciphers',
  encrypt(key, nonce, plaintext, aad) {
    return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  },
  encryptInto(out, offset, key, nonce, plaintext, aad) {
    out.set(xchacha20poly1305(key, nonce, aad).encrypt(plaintext), offset);
  },
  decrypt(key, nonce, sealed, aad) {
    if (sealed.length < TAG_LENGTH) return undefined;
    try {
      return xchacha20poly1305(key, nonce, aad).decrypt(sealed);
    } catch {
      return undefined;
    }
  },
};

/** True when node:crypto offers ChaCha20-Poly1305 (OpenSSL 1.1+ builds). */
export const hasNativeChaCha: boolean = getCiphers().includes('chacha20-poly1305');

/** The implementation seal/open use: native where available. */
export const defaultXChaCha: XChaChaImpl = hasNativeChaCha ? nativeXChaCha : nobleXChaCha;
