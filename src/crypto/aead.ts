/**
 * Authenticated encryption for everything the engine stores.
 *
 * Sealed layout: nonce (24, random) || ciphertext || Poly1305 tag (16).
 * Every caller passes AAD (crypto/aad.ts) binding the ciphertext to where it
 * lives and what it is; there is no AAD-less variant on purpose.
 *
 * Random 192-bit nonces make accidental reuse negligible (2^-96 after 2^48
 * messages under one key), so no counter state has to survive crashes.
 */
import { NONCE_LENGTH, TAG_LENGTH, defaultXChaCha } from './xchacha.ts';
import type { SymmetricKey } from './keys.ts';
import { systemRandom, type Random } from './random.ts';

/** Bytes a sealed message adds to its plaintext. */
export const SEAL_OVERHEAD: number = NONCE_LENGTH + TAG_LENGTH;

/**
 * Encrypts and authenticates `plaintext`, bound to `aad`. With `reserve`,
 * the result starts with that many zero bytes for the caller's own header
 * (so records are built with one allocation and no copies).
 */
export function seal(key: SymmetricKey, plaintext: Uint8Array, aad: Uint8Array, random: Random = systemRandom, reserve = 0): Uint8Array {
  const nonce = random(NONCE_LENGTH);
  const out = new Uint8Array(reserve + SEAL_OVERHEAD + plaintext.length);
  out.set(nonce, reserve);
  defaultXChaCha.encryptInto(out, reserve + NONCE_LENGTH, key.bytes, nonce, plaintext, aad);
  return out;
}

/**
 * Verifies and decrypts. Returns undefined on any failure (wrong key, wrong
 * AAD, tampered or truncated input); callers turn that into the typed error
 * that names the record.
 */
export function open(key: SymmetricKey, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  return defaultXChaCha.decrypt(key.bytes, sealed.subarray(0, NONCE_LENGTH), sealed.subarray(NONCE_LENGTH), aad);
}
