/**
 * Store header: everything needed to unlock a store, written as two copies.
 *
 * | offset | bytes    | field                                                  |
 * |--------|----------|--------------------------------------------------------|
 * | 0      | 8        | magic `SYNAPSED`                                       |
 * | 8      | 1        | format version (FORMAT_V1)                             |
 * | 9      | 16       | store id, random                                       |
 * | 25     | 8        | sequence, u64 BE: +1 on every rewrite; newest wins     |
 * | 33     | 1        | KDF algorithm: 1 = Argon2id v1.3                       |
 * | 34     | 4        | Argon2id memory, KiB, u32 BE                           |
 * | 38     | 4        | Argon2id iterations, u32 BE                            |
 * | 42     | 1        | Argon2id parallelism                                   |
 * | 43     | 16       | passphrase salt                                        |
 * | 59     | 16       | recovery-code salt                                     |
 * | 75     | 1216     | KEM public key (ML-KEM-768 + X25519)                   |
 * | 1291   | 72       | passphrase slot: KEM secret key sealed (crypto/aead)   |
 * | 1363   | 72       | recovery slot: KEM secret key sealed                   |
 * | 1435   | 4        | current key epoch, u32 BE                              |
 * | 1439   | 2        | epoch count n, u16 BE, 1..1024                         |
 * | 1441   | n × 1196 | epochs: epoch u32, KEM ciphertext 1120, sealed key 72  |
 * | end-64 | 32       | MAC: HMAC-SHA256 over all bytes before it (keyring.ts) |
 * | end-32 | 32       | checksum: SHA-256 over all bytes before it             |
 *
 * The checksum detects damage before any key is known, so a flipped bit is
 * `IntegrityError` rather than a wrong-passphrase report. The MAC, keyed
 * from the store's secret key, authenticates the header against deliberate
 * edits once unlocked. Parsing is strict: exact lengths, known values only.
 */
import { FormatVersionError, IntegrityError } from '../errors.ts';
import { isKnownFormat } from '../format.ts';
import { KEM_CIPHERTEXT_LENGTH, KEM_PUBLIC_KEY_LENGTH } from '../crypto/kem.ts';
import { SEAL_OVERHEAD } from '../crypto/aead.ts';
import { KEY_LENGTH } from '../crypto/keys.ts';
import { STORE_ID_LENGTH } from '../crypto/aad.ts';
import { sha256Digest } from '../crypto/kdf.ts';
import { equalBytes, readU32, readU64, utf8, writeU32, writeU64 } from '../util/bytes.ts';
import type { KdfCost } from './kdf-params.ts';

export const HEADER_MAGIC: Uint8Array = utf8('SYNAPSED');
export const SALT_LENGTH = 16;
/** A KEM secret key (32 bytes) sealed: nonce + key + tag. */
export const SEALED_SECRET_LENGTH: number = KEY_LENGTH + SEAL_OVERHEAD;
/** A data key sealed under its wrapping key. */
export const SEALED_DATA_KEY_LENGTH: number = KEY_LENGTH + SEAL_OVERHEAD;
export const KDF_ARGON2ID = 1;
export const MAX_EPOCHS = 1024;
const FIXED_LENGTH = 1441;
const EPOCH_ENTRY_LENGTH: number = 4 + KEM_CIPHERTEXT_LENGTH + SEALED_DATA_KEY_LENGTH;
const TRAILER_LENGTH = 64;

/** One key epoch's data key, wrapped to the store's public key. */
export interface WrappedEpoch {
  readonly epoch: number;
  readonly kemCipherText: Uint8Array;
  readonly sealedKey: Uint8Array;
}

/** Header fields, as parsed (MAC and checksum aside). */
export interface HeaderFields {
  readonly version: number;
  readonly storeId: Uint8Array;
  readonly sequence: bigint;
  readonly kdf: KdfCost;
  readonly passphraseSalt: Uint8Array;
  readonly recoverySalt: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly passphraseSlot: Uint8Array;
  readonly recoverySlot: Uint8Array;
  readonly currentEpoch: number;
  readonly epochs: readonly WrappedEpoch[];
}

/** A parsed header copy: its fields, MAC, and the bytes the MAC covers. */
export interface ParsedHeader {
  readonly fields: HeaderFields;
  readonly mac: Uint8Array;
  readonly macInput: Uint8Array;
}

/** Encodes fields and appends `mac(bytes)` and the checksum. */
export function encodeHeader(fields: HeaderFields, mac: (macInput: Uint8Array) => Uint8Array): Uint8Array {
  const bodyLength = FIXED_LENGTH + fields.epochs.length * EPOCH_ENTRY_LENGTH;
  const out = new Uint8Array(bodyLength + TRAILER_LENGTH);
  out.set(HEADER_MAGIC, 0);
  out[8] = fields.version;
  out.set(fields.storeId, 9);
  writeU64(out, 25, fields.sequence);
  out[33] = KDF_ARGON2ID;
  writeU32(out, 34, fields.kdf.memoryKiB);
  writeU32(out, 38, fields.kdf.iterations);
  out[42] = fields.kdf.parallelism;
  out.set(fields.passphraseSalt, 43);
  out.set(fields.recoverySalt, 59);
  out.set(fields.publicKey, 75);
  out.set(fields.passphraseSlot, 1291);
  out.set(fields.recoverySlot, 1363);
  writeU32(out, 1435, fields.currentEpoch);
  out[1439] = fields.epochs.length >> 8;
  out[1440] = fields.epochs.length & 0xff;
  let offset = FIXED_LENGTH;
  for (const entry of fields.epochs) {
    writeU32(out, offset, entry.epoch);
    out.set(entry.kemCipherText, offset + 4);
    out.set(entry.sealedKey, offset + 4 + KEM_CIPHERTEXT_LENGTH);
    offset += EPOCH_ENTRY_LENGTH;
  }
  out.set(mac(out.subarray(0, bodyLength)), bodyLength);
  out.set(sha256Digest(out.subarray(0, bodyLength + 32)), bodyLength + 32);
  return out;
}

/**
 * Parses one header copy. `copy` names it in errors.
 * @throws {IntegrityError} where 'header': damaged, truncated or inconsistent.
 * @throws {FormatVersionError} a version this build does not know.
 */
export function decodeHeader(bytes: Uint8Array, copy: string): ParsedHeader {
  const fail = (detail: string): never => {
    throw new IntegrityError('header', copy, detail);
  };
  if (bytes.length < FIXED_LENGTH + TRAILER_LENGTH) fail('truncated');
  if (!equalBytes(bytes.subarray(0, 8), HEADER_MAGIC)) fail('not a synapsed header');
  const checked = bytes.length - 32;
  if (!equalBytes(sha256Digest(bytes.subarray(0, checked)), bytes.subarray(checked))) fail('checksum mismatch');
  const version = bytes[8] as number;
  if (!isKnownFormat(version)) throw new FormatVersionError('header', version);
  if (bytes[33] !== KDF_ARGON2ID) fail('unknown KDF');
  const count = ((bytes[1439] as number) << 8) | (bytes[1440] as number);
  if (count < 1 || count > MAX_EPOCHS) fail('bad epoch count');
  if (bytes.length !== FIXED_LENGTH + count * EPOCH_ENTRY_LENGTH + TRAILER_LENGTH) fail('length does not match epoch count');
  const epochs: WrappedEpoch[] = [];
  let offset = FIXED_LENGTH;
  for (let i = 0; i < count; i++) {
    const epoch = readU32(bytes, offset);
    if (i > 0 && epoch <= (epochs[i - 1] as WrappedEpoch).epoch) fail('epochs out of order');
    epochs.push({
      epoch,
      kemCipherText: bytes.slice(offset + 4, offset + 4 + KEM_CIPHERTEXT_LENGTH),
      sealedKey: bytes.slice(offset + 4 + KEM_CIPHERTEXT_LENGTH, offset + EPOCH_ENTRY_LENGTH),
    });
    offset += EPOCH_ENTRY_LENGTH;
  }
  const currentEpoch = readU32(bytes, 1435);
  if (!epochs.some((e) => e.epoch === currentEpoch)) fail('current epoch has no key');
  const fields: HeaderFields = {
    version,
    storeId: bytes.slice(9, 9 + STORE_ID_LENGTH),
    sequence: readU64(bytes, 25),
    kdf: { memoryKiB: readU32(bytes, 34), iterations: readU32(bytes, 38), parallelism: bytes[42] as number },
    passphraseSalt: bytes.slice(43, 43 + SALT_LENGTH),
    recoverySalt: bytes.slice(59, 59 + SALT_LENGTH),
    publicKey: bytes.slice(75, 75 + KEM_PUBLIC_KEY_LENGTH),
    passphraseSlot: bytes.slice(1291, 1291 + SEALED_SECRET_LENGTH),
    recoverySlot: bytes.slice(1363, 1363 + SEALED_SECRET_LENGTH),
    currentEpoch,
    epochs,
  };
  const macOffset = bytes.length - TRAILER_LENGTH;
  return { fields, mac: bytes.slice(macOffset, macOffset + 32), macInput: bytes.subarray(0, macOffset) };
}
