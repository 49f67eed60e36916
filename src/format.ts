/**
 * Format versions and record-kind bytes, as named constants.
 *
 * Every stored record (WAL record, block, run index, manifest, blob chunk,
 * sync message) starts with a format version byte, and the header carries
 * one right after its magic; the version is also bound into the AAD, so a
 * record cannot be re-labelled as another version. Unknown versions are
 * rejected with `FormatVersionError`; migrations live in `engine/migrate/`.
 */

/** Version 1: XChaCha20-Poly1305, HKDF-SHA256, Argon2id, ML-KEM-768+X25519. */
export const FORMAT_V1 = 1 as const;
/** The version this build writes. */
export const FORMAT_LATEST: typeof FORMAT_V1 = FORMAT_V1;

/** Versions this build can read. */
export function isKnownFormat(version: number): boolean {
  return version === FORMAT_V1;
}

/**
 * Record kinds: the purpose byte bound into every AAD (crypto/aad.ts), so a
 * ciphertext made for one purpose never opens as another.
 */
export const KIND = {
  /** The store's KEM secret key, sealed under the passphrase-derived key. */
  SLOT_PASSPHRASE: 0x01,
  /** The store's KEM secret key, sealed under the recovery-code-derived key. */
  SLOT_RECOVERY: 0x02,
  /** A data key of one epoch, wrapped to the store's public key. */
  DATA_KEY: 0x03,
  /** The store's KEM secret key, sealed under a key derived from a raw 32-byte app key (keyring/slots.ts). */
  SLOT_KEY: 0x04,
  /** A key slot's label and creation time, sealed under a key only an unlocked store has. */
  SLOT_INFO: 0x05,
  /** A WAL record: one committed transaction. */
  WAL: 0x10,
  /** A page of the ordered tree. */
  PAGE: 0x11,
  /** Engine metadata (root pointer, checkpoint state). */
  META: 0x12,
  /** A value too large for a leaf, stored on its own. */
  LARGE_VALUE: 0x13,
  /** A named snapshot's record. */
  SNAPSHOT: 0x14,
  /** A run's index: block bounds and bloom filter. */
  RUN_INDEX: 0x15,
  /** A chunk of a blob, sealed with STREAM under the blob's own key (crypto/stream.ts). */
  BLOB_CHUNK: 0x20,
} as const;

/** One of the `KIND` bytes. */
export type RecordKind = (typeof KIND)[keyof typeof KIND];
