/**
 * Data keys: one random 256-bit key per key epoch, wrapped by encapsulating
 * to the store's public key (envelope encryption).
 *
 * wrap:   (ct, ss) = KEM.encapsulate(publicKey)
 *         wrapKey  = HKDF(ss, salt = store id, DATA_KEY_WRAP, context = epoch)
 *         sealed   = seal(wrapKey, dataKey, AAD(DATA_KEY, store id, epoch))
 * unwrap: ss = KEM.decapsulate(ct, secretKey), then the same derivation.
 *
 * Only the public key is needed to wrap, so another device or a process
 * holding no secrets can add an epoch that only the store's owner reads.
 */
import { IntegrityError } from '../errors.ts';
import { KIND } from '../format.ts';
import { buildAad } from '../crypto/aad.ts';
import { open, seal } from '../crypto/aead.ts';
import { HKDF_INFO, deriveKey } from '../crypto/kdf.ts';
import { kemDecapsulate, kemEncapsulate } from '../crypto/kem.ts';
import { KEY_LENGTH, SymmetricKey } from '../crypto/keys.ts';
import { systemRandom, type Random } from '../crypto/random.ts';
import { wipe } from '../crypto/redacted.ts';
import { u32Bytes } from '../util/bytes.ts';
import type { WrappedEpoch } from './header.ts';

function wrappingKey(sharedSecret: Uint8Array, storeId: Uint8Array, epoch: number): SymmetricKey {
  return new SymmetricKey(deriveKey(sharedSecret, storeId, HKDF_INFO.DATA_KEY_WRAP, KEY_LENGTH, u32Bytes(epoch)));
}

/** Wraps `dataKey` for `epoch` to `publicKey`. Needs no secret. */
export function wrapDataKey(
  publicKey: Uint8Array, storeId: Uint8Array, version: number, epoch: number, dataKey: SymmetricKey, random: Random = systemRandom,
): WrappedEpoch {
  const { cipherText, sharedSecret } = kemEncapsulate(publicKey, random);
  const key = wrappingKey(sharedSecret, storeId, epoch);
  wipe(sharedSecret);
  const sealedKey = seal(key, dataKey.bytes, buildAad(version, KIND.DATA_KEY, storeId, epoch, new Uint8Array(0)), random);
  key.wipe();
  return { epoch, kemCipherText: cipherText, sealedKey };
}

/**
 * Unwraps one epoch's data key.
 * @throws {IntegrityError} where 'data-key': the wrapped key was altered or belongs elsewhere.
 */
export function unwrapDataKey(secretKey: Uint8Array, storeId: Uint8Array, version: number, wrapped: WrappedEpoch): SymmetricKey {
  const sharedSecret = kemDecapsulate(wrapped.kemCipherText, secretKey);
  const key = wrappingKey(sharedSecret, storeId, wrapped.epoch);
  wipe(sharedSecret);
  const plain = open(key, wrapped.sealedKey, buildAad(version, KIND.DATA_KEY, storeId, wrapped.epoch, new Uint8Array(0)));
  key.wipe();
  if (plain === undefined || plain.length !== KEY_LENGTH) throw new IntegrityError('data-key', wrapped.epoch);
  return new SymmetricKey(plain);
}

/** A fresh random data key. */
export function generateDataKey(random: Random = systemRandom): SymmetricKey {
  return new SymmetricKey(random(KEY_LENGTH));
}
