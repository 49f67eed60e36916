/**
 * Header layout 1 (stores written before key slots): read only. A store
 * opened for writing is upgraded to layout 2 (header.ts) on open; a store
 * opened with `readOnly: true` keeps this layout on disk.
 *
 * | offset | bytes    | field                                                  |
 * |--------|----------|--------------------------------------------------------|
 * | 0      | 8        | magic `SYNAPSED`                                       |
 * | 8      | 1        | format version (FORMAT_V1): layout and key format      |
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
 * | end-64 | 32       | MAC: HMAC-SHA256 over all bytes before it              |
 * | end-32 | 32       | checksum: SHA-256 over all bytes before it             |
 *
 * The two slots become slot 1 (passphrase) and slot 2 (recovery code) of the
 * layout-2 model, with no sealed info (they had no labels); the sealed slot
 * bytes carry over unchanged, because their AAD does not depend on the layout.
 * The caller (header.ts) has checked magic and checksum.
 */
import { FormatVersionError, IntegrityError } from '../errors.ts';
import { FORMAT_V1 } from '../format.ts';
import { KEM_PUBLIC_KEY_LENGTH } from '../crypto/kem.ts';
import { STORE_ID_LENGTH } from '../crypto/aad.ts';
import { readU32, readU64 } from '../util/bytes.ts';
import {
  EPOCH_ENTRY_LENGTH, MAX_EPOCHS, SALT_LENGTH, SEALED_SECRET_LENGTH, SLOT_TYPE, TRAILER_LENGTH, decodeEpochs,
  type HeaderFields, type ParsedHeader,
} from './header.ts';

const FIXED_LENGTH = 1441;
const KDF_ARGON2ID = 1;

/** Slot ids given to the two fixed slots of a layout-1 header. */
export const V1_SLOT_IDS = { passphrase: 1, recovery: 2 } as const;

/**
 * Parses a layout-1 copy (magic and checksum already verified).
 * @throws {IntegrityError} where 'header': truncated or inconsistent.
 */
export function decodeHeaderV1(bytes: Uint8Array, copy: string): ParsedHeader {
  const fail = (detail: string): never => {
    throw new IntegrityError('header', copy, detail);
  };
  if (bytes.length < FIXED_LENGTH + TRAILER_LENGTH) fail('truncated');
  if (bytes[8] !== FORMAT_V1) throw new FormatVersionError('header', bytes[8] as number);
  if (bytes[33] !== KDF_ARGON2ID) fail('unknown KDF');
  const count = ((bytes[1439] as number) << 8) | (bytes[1440] as number);
  if (count < 1 || count > MAX_EPOCHS) fail('bad epoch count');
  if (bytes.length !== FIXED_LENGTH + count * EPOCH_ENTRY_LENGTH + TRAILER_LENGTH) fail('length does not match epoch count');
  const epochs = decodeEpochs(bytes, FIXED_LENGTH, count, fail);
  const currentEpoch = readU32(bytes, 1435);
  if (!epochs.some((e) => e.epoch === currentEpoch)) fail('current epoch has no key');
  const fields: HeaderFields = {
    layout: FORMAT_V1,
    version: FORMAT_V1,
    storeId: bytes.slice(9, 9 + STORE_ID_LENGTH),
    sequence: readU64(bytes, 25),
    publicKey: bytes.slice(75, 75 + KEM_PUBLIC_KEY_LENGTH),
    currentEpoch,
    epochs,
    nextSlotId: 3,
    slots: [
      {
        id: V1_SLOT_IDS.passphrase, type: SLOT_TYPE.PASSPHRASE,
        kdf: { memoryKiB: readU32(bytes, 34), iterations: readU32(bytes, 38), parallelism: bytes[42] as number },
        salt: bytes.slice(43, 43 + SALT_LENGTH), sealed: bytes.slice(1291, 1291 + SEALED_SECRET_LENGTH), info: undefined,
      },
      {
        id: V1_SLOT_IDS.recovery, type: SLOT_TYPE.RECOVERY, kdf: undefined,
        salt: bytes.slice(59, 59 + SALT_LENGTH), sealed: bytes.slice(1363, 1363 + SEALED_SECRET_LENGTH), info: undefined,
      },
    ],
  };
  const macOffset = bytes.length - TRAILER_LENGTH;
  return { fields, mac: bytes.slice(macOffset, macOffset + 32), macInput: bytes.subarray(0, macOffset) };
}
