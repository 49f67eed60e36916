/**
 * Store header: everything needed to unlock a store, written as two copies
 * (engine/header-file.ts). This build writes layout 2, a table of key slots
 * (LUKS-style: one data-key hierarchy, several ways in), and still reads
 * layout 1 (header-v1.ts), which a store opened for writing is upgraded from.
 *
 * Layout 2:
 *
 * | offset | bytes    | field                                                   |
 * |--------|----------|---------------------------------------------------------|
 * | 0      | 8        | magic `SYNAPSED`                                        |
 * | 8      | 1        | header layout (HEADER_V2 = 2)                           |
 * | 9      | 1        | key format (FORMAT_V1): bound into slot and data-key AADs |
 * | 10     | 16       | store id, random                                        |
 * | 26     | 8        | sequence, u64 BE: +1 on every rewrite; newest wins      |
 * | 34     | 1216     | KEM public key (ML-KEM-768 + X25519)                    |
 * | 1250   | 4        | current key epoch, u32 BE                               |
 * | 1254   | 2        | epoch count n, u16 BE, 1..1024                          |
 * | 1256   | 4        | next slot id, u32 BE (ids are never reused)             |
 * | 1260   | 1        | slot count m, 1..32                                     |
 * | 1261   | n × 1196 | epochs: epoch u32, KEM ciphertext 1120, sealed key 72   |
 * | ...    | m × 215  | key slots, ascending id (table below)                   |
 * | end-64 | 32       | MAC: HMAC-SHA256 over all bytes before it (keyring.ts)  |
 * | end-32 | 32       | checksum: SHA-256 over all bytes before it              |
 *
 * Key slot (215 bytes):
 *
 * | bytes | field                                                               |
 * |-------|---------------------------------------------------------------------|
 * | 4     | slot id, u32 BE                                                     |
 * | 1     | type: 1 passphrase (Argon2id v1.3), 2 recovery code, 3 raw key      |
 * | 4     | Argon2id memory KiB, u32 BE (passphrase slots; 0 otherwise)         |
 * | 4     | Argon2id iterations, u32 BE (passphrase slots; 0 otherwise)         |
 * | 1     | Argon2id parallelism (passphrase slots; 0 otherwise)                |
 * | 16    | salt of the slot key derivation                                     |
 * | 72    | the KEM secret key sealed under the slot key (keyring/slots.ts)     |
 * | 113   | sealed slot info: created (u64 ms, 0 unknown), label length, label  |
 * |       | padded to 64 bytes; under a key derived from the KEM secret key     |
 *
 * What a header reveals before unlock: the store id, how many slots of each
 * type exist, passphrase KDF costs, salts, epochs. Labels and creation times
 * are sealed (they are user text). The checksum detects damage before any
 * key is known, so a flipped bit is `IntegrityError`, not a wrong-passphrase
 * report; the MAC, keyed from the store's secret key, authenticates the whole
 * header against deliberate edits once unlocked. Parsing is strict: exact
 * lengths, known values only, zeroed unused fields.
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
import { decodeHeaderV1 } from './header-v1.ts';

export const HEADER_MAGIC: Uint8Array = utf8('SYNAPSED');
/** Layout 1: one passphrase slot and one recovery slot at fixed offsets (header-v1.ts). Read, never written. */
export const HEADER_V1 = 1;
/** Layout 2: a table of key slots. Written by this build. */
export const HEADER_V2 = 2;
export const SALT_LENGTH = 16;
/** A KEM secret key (32 bytes) sealed: nonce + key + tag. */
export const SEALED_SECRET_LENGTH: number = KEY_LENGTH + SEAL_OVERHEAD;
/** A data key sealed under its wrapping key. */
export const SEALED_DATA_KEY_LENGTH: number = KEY_LENGTH + SEAL_OVERHEAD;
export const MAX_EPOCHS = 1024;
export const MAX_SLOTS = 32;
/** Longest slot label, UTF-8 bytes. Labels are padded to this length before sealing, so sizes do not leak. */
export const MAX_LABEL_BYTES = 64;
/** created (8) + label length (1) + padded label. */
export const SLOT_INFO_PLAIN_LENGTH: number = 9 + MAX_LABEL_BYTES;
export const SEALED_SLOT_INFO_LENGTH: number = SLOT_INFO_PLAIN_LENGTH + SEAL_OVERHEAD;
export const EPOCH_ENTRY_LENGTH: number = 4 + KEM_CIPHERTEXT_LENGTH + SEALED_DATA_KEY_LENGTH;
export const TRAILER_LENGTH = 64;
const FIXED_LENGTH = 1261;
const SLOT_ENTRY_LENGTH: number = 4 + 1 + 9 + SALT_LENGTH + SEALED_SECRET_LENGTH + SEALED_SLOT_INFO_LENGTH;

/** Slot type bytes. */
export const SLOT_TYPE = {
  /** Passphrase -> Argon2id (costs and salt in the slot) -> HKDF -> slot key. */
  PASSPHRASE: 1,
  /** Recovery code (160 random bits) -> HKDF -> slot key. */
  RECOVERY: 2,
  /** Raw 32-byte key supplied by the app -> HKDF -> slot key. No stretching. */
  KEY: 3,
} as const;
export type SlotType = (typeof SLOT_TYPE)[keyof typeof SLOT_TYPE];

/** One key slot, as stored. */
export interface SlotEntry {
  readonly id: number;
  readonly type: SlotType;
  /** Argon2id costs, for passphrase slots only. */
  readonly kdf: KdfCost | undefined;
  readonly salt: Uint8Array;
  /** The KEM secret key, sealed under this slot's key. */
  readonly sealed: Uint8Array;
  /** Sealed label and creation time; undefined for slots read from a layout-1 header (they had none). */
  readonly info: Uint8Array | undefined;
}

/** One key epoch's data key, wrapped to the store's public key. */
export interface WrappedEpoch {
  readonly epoch: number;
  readonly kemCipherText: Uint8Array;
  readonly sealedKey: Uint8Array;
}

/** Header fields, as parsed (MAC and checksum aside). */
export interface HeaderFields {
  /** The layout the copy was read in (HEADER_V1 or HEADER_V2). `encodeHeader` always writes HEADER_V2. */
  readonly layout: number;
  /** Format version bound into the AAD of every slot and wrapped data key. */
  readonly version: number;
  readonly storeId: Uint8Array;
  readonly sequence: bigint;
  readonly publicKey: Uint8Array;
  readonly currentEpoch: number;
  readonly epochs: readonly WrappedEpoch[];
  readonly nextSlotId: number;
  readonly slots: readonly SlotEntry[];
}

/** A parsed header copy: its fields, MAC, and the bytes the MAC covers. */
export interface ParsedHeader {
  readonly fields: HeaderFields;
  readonly mac: Uint8Array;
  readonly macInput: Uint8Array;
}

/** Encodes fields in layout 2 (every slot must carry its sealed info) and appends `mac(bytes)` and the checksum. */
export function encodeHeader(fields: HeaderFields, mac: (macInput: Uint8Array) => Uint8Array): Uint8Array {
  const bodyLength = FIXED_LENGTH + fields.epochs.length * EPOCH_ENTRY_LENGTH + fields.slots.length * SLOT_ENTRY_LENGTH;
  const out = new Uint8Array(bodyLength + TRAILER_LENGTH);
  out.set(HEADER_MAGIC, 0);
  out[8] = HEADER_V2;
  out[9] = fields.version;
  out.set(fields.storeId, 10);
  writeU64(out, 26, fields.sequence);
  out.set(fields.publicKey, 34);
  writeU32(out, 1250, fields.currentEpoch);
  out[1254] = fields.epochs.length >> 8;
  out[1255] = fields.epochs.length & 0xff;
  writeU32(out, 1256, fields.nextSlotId);
  out[1260] = fields.slots.length;
  let offset = FIXED_LENGTH;
  for (const entry of fields.epochs) {
    writeU32(out, offset, entry.epoch);
    out.set(entry.kemCipherText, offset + 4);
    out.set(entry.sealedKey, offset + 4 + KEM_CIPHERTEXT_LENGTH);
    offset += EPOCH_ENTRY_LENGTH;
  }
  for (const slot of fields.slots) {
    if (slot.info === undefined) throw new TypeError(`slot ${slot.id} has no sealed info`);
    writeU32(out, offset, slot.id);
    out[offset + 4] = slot.type;
    if (slot.kdf !== undefined) {
      writeU32(out, offset + 5, slot.kdf.memoryKiB);
      writeU32(out, offset + 9, slot.kdf.iterations);
      out[offset + 13] = slot.kdf.parallelism;
    }
    out.set(slot.salt, offset + 14);
    out.set(slot.sealed, offset + 14 + SALT_LENGTH);
    out.set(slot.info, offset + 14 + SALT_LENGTH + SEALED_SECRET_LENGTH);
    offset += SLOT_ENTRY_LENGTH;
  }
  out.set(mac(out.subarray(0, bodyLength)), bodyLength);
  out.set(sha256Digest(out.subarray(0, bodyLength + 32)), bodyLength + 32);
  return out;
}

/**
 * Parses one header copy of either layout. `copy` names it in errors.
 * @throws {IntegrityError} where 'header': damaged, truncated or inconsistent.
 * @throws {FormatVersionError} a layout or key format this build does not know.
 */
export function decodeHeader(bytes: Uint8Array, copy: string): ParsedHeader {
  const fail = (detail: string): never => {
    throw new IntegrityError('header', copy, detail);
  };
  if (bytes.length < 9 + TRAILER_LENGTH) fail('truncated');
  if (!equalBytes(bytes.subarray(0, 8), HEADER_MAGIC)) fail('not a synapsed header');
  const checked = bytes.length - 32;
  if (!equalBytes(sha256Digest(bytes.subarray(0, checked)), bytes.subarray(checked))) fail('checksum mismatch');
  const layout = bytes[8] as number;
  if (layout === HEADER_V1) return decodeHeaderV1(bytes, copy);
  if (layout !== HEADER_V2) throw new FormatVersionError('header', layout);
  if (bytes.length < FIXED_LENGTH + TRAILER_LENGTH) fail('truncated');
  const version = bytes[9] as number;
  if (!isKnownFormat(version)) throw new FormatVersionError('header', version);
  const epochCount = ((bytes[1254] as number) << 8) | (bytes[1255] as number);
  if (epochCount < 1 || epochCount > MAX_EPOCHS) fail('bad epoch count');
  const slotCount = bytes[1260] as number;
  if (slotCount < 1 || slotCount > MAX_SLOTS) fail('bad slot count');
  if (bytes.length !== FIXED_LENGTH + epochCount * EPOCH_ENTRY_LENGTH + slotCount * SLOT_ENTRY_LENGTH + TRAILER_LENGTH) {
    fail('length does not match epoch and slot counts');
  }
  let offset = FIXED_LENGTH;
  const epochs = decodeEpochs(bytes, offset, epochCount, fail);
  offset += epochCount * EPOCH_ENTRY_LENGTH;
  const nextSlotId = readU32(bytes, 1256);
  const slots: SlotEntry[] = [];
  for (let i = 0; i < slotCount; i++) {
    const slot = decodeSlot(bytes, offset, fail);
    if (i > 0 && slot.id <= (slots[i - 1] as SlotEntry).id) fail('slots out of order');
    if (slot.id >= nextSlotId) fail('slot id not below the next slot id');
    slots.push(slot);
    offset += SLOT_ENTRY_LENGTH;
  }
  const currentEpoch = readU32(bytes, 1250);
  if (!epochs.some((e) => e.epoch === currentEpoch)) fail('current epoch has no key');
  const fields: HeaderFields = {
    layout, version, storeId: bytes.slice(10, 10 + STORE_ID_LENGTH), sequence: readU64(bytes, 26),
    publicKey: bytes.slice(34, 34 + KEM_PUBLIC_KEY_LENGTH), currentEpoch, epochs, nextSlotId, slots,
  };
  const macOffset = bytes.length - TRAILER_LENGTH;
  return { fields, mac: bytes.slice(macOffset, macOffset + 32), macInput: bytes.subarray(0, macOffset) };
}

/** Parses `count` epoch entries at `offset` (shared by both layouts). */
export function decodeEpochs(bytes: Uint8Array, offset: number, count: number, fail: (detail: string) => never): WrappedEpoch[] {
  const epochs: WrappedEpoch[] = [];
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
  return epochs;
}

function decodeSlot(bytes: Uint8Array, offset: number, fail: (detail: string) => never): SlotEntry {
  const id = readU32(bytes, offset);
  const type = bytes[offset + 4] as number;
  if (type !== SLOT_TYPE.PASSPHRASE && type !== SLOT_TYPE.RECOVERY && type !== SLOT_TYPE.KEY) fail(`slot ${id} has unknown type ${type}`);
  let kdf: KdfCost | undefined;
  if (type === SLOT_TYPE.PASSPHRASE) {
    kdf = { memoryKiB: readU32(bytes, offset + 5), iterations: readU32(bytes, offset + 9), parallelism: bytes[offset + 13] as number };
  } else if (bytes.subarray(offset + 5, offset + 14).some((b) => b !== 0)) {
    fail(`slot ${id} has KDF costs but is not a passphrase slot`);
  }
  const salt = offset + 14;
  const sealed = salt + SALT_LENGTH;
  const info = sealed + SEALED_SECRET_LENGTH;
  return {
    id, type: type as SlotType, kdf,
    salt: bytes.slice(salt, sealed),
    sealed: bytes.slice(sealed, info),
    info: bytes.slice(info, info + SEALED_SLOT_INFO_LENGTH),
  };
}
