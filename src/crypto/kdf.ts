/**
 * HKDF-SHA256 (RFC 5869) with one `info` label per purpose, so keys derived
 * for different jobs are independent even from the same input key.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../util/bytes.ts';

/** Purpose labels. Changing one changes every key derived with it: bump the format. */
export const HKDF_INFO = {
  /** Passphrase Argon2id output -> key sealing the KEM secret key. */
  PASSPHRASE_SLOT: 'synapsed/v1/slot/passphrase',
  /** Recovery-code entropy -> key sealing the KEM secret key. */
  RECOVERY_SLOT: 'synapsed/v1/slot/recovery',
  /** A raw 32-byte app key -> key sealing the KEM secret key (no stretching: the key is random). */
  KEY_SLOT: 'synapsed/v1/slot/key',
  /** KEM secret key -> key sealing each key slot's label and creation time. */
  SLOT_INFO: 'synapsed/v1/slot-info',
  /** KEM secret key -> header MAC key. */
  HEADER_MAC: 'synapsed/v1/header-mac',
  /** KEM shared secret -> data-key wrapping key. */
  DATA_KEY_WRAP: 'synapsed/v1/data-key-wrap',
  /** Data key -> key for keyed hashes of ids. */
  ID_HASH: 'synapsed/v1/id-hash',
} as const;

/** One of the `HKDF_INFO` labels. */
export type HkdfInfo = (typeof HKDF_INFO)[keyof typeof HKDF_INFO];

/** Derives `length` bytes from `ikm`, bound to `salt`, the purpose label and an optional context. */
export function deriveKey(ikm: Uint8Array, salt: Uint8Array, info: HkdfInfo, length = 32, context?: Uint8Array): Uint8Array {
  const label = utf8(info);
  if (context === undefined) return hkdf(sha256, ikm, salt, label, length);
  const full = new Uint8Array(label.length + 1 + context.length);
  full.set(label, 0);
  // A zero separator keeps (label, context) pairs unambiguous.
  full.set(context, label.length + 1);
  return hkdf(sha256, ikm, salt, full, length);
}

/** SHA-256. */
export function sha256Digest(data: Uint8Array): Uint8Array {
  return sha256(data);
}
