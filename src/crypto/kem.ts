/**
 * Hybrid key encapsulation: ML-KEM-768 (FIPS 203) + X25519, combined as in
 * X-Wing (`@noble/post-quantum/hybrid.js` `ml_kem768_x25519`). Secure if
 * either component is. Used for envelope encryption of data keys: anyone
 * holding the public key can wrap a key only the secret key unwraps.
 *
 * Sharp edge: `@noble/post-quantum` has not been independently audited
 * (SECURITY.md). The X25519 half keeps classical security if ML-KEM fails.
 *
 * | value       | bytes |
 * |-------------|-------|
 * | secret key  | 32 (seed; expanded on use)   |
 * | public key  | 1216  |
 * | ciphertext  | 1120  |
 * | shared key  | 32    |
 */
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { systemRandom, type Random } from './random.ts';

export const KEM_SECRET_KEY_LENGTH = 32;
export const KEM_PUBLIC_KEY_LENGTH = 1216;
export const KEM_CIPHERTEXT_LENGTH = 1120;

/** A KEM key pair. The secret key is a 32-byte seed. */
export interface KemKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Generates a key pair from fresh randomness. */
export function generateKemKeyPair(random: Random = systemRandom): KemKeyPair {
  const seed = random(KEM_SECRET_KEY_LENGTH);
  const { publicKey, secretKey } = ml_kem768_x25519.keygen(seed);
  seed.fill(0);
  return { publicKey, secretKey };
}

/** The public key belonging to a secret key. */
export function kemPublicKey(secretKey: Uint8Array): Uint8Array {
  return ml_kem768_x25519.getPublicKey(secretKey);
}

/** Encapsulates a fresh shared secret to `publicKey`. */
export function kemEncapsulate(publicKey: Uint8Array, random: Random = systemRandom): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
  const coins = random(ml_kem768_x25519.lengths.msgRand ?? 64);
  const result = ml_kem768_x25519.encapsulate(publicKey, coins);
  coins.fill(0);
  return result;
}

/**
 * Recovers the shared secret. ML-KEM decapsulation never fails outright
 * (implicit rejection): a wrong key or a damaged ciphertext yields a
 * different secret, which the AEAD that uses it then rejects.
 */
export function kemDecapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ml_kem768_x25519.decapsulate(cipherText, secretKey);
}
