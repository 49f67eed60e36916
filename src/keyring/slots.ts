/**
 * Key slots: the store's KEM secret key sealed once per way in.
 *
 * | slot        | slot key                                                     | AAD location                          |
 * |-------------|--------------------------------------------------------------|---------------------------------------|
 * | passphrase  | HKDF(Argon2id(NFKC(passphrase), salt, costs), salt, PASSPHRASE_SLOT) | SHA-256(costs, salt, public key) |
 * | recovery    | HKDF(code entropy (160 bits), salt, RECOVERY_SLOT)           | SHA-256(salt, public key)             |
 * | key         | HKDF(raw 32-byte app key, salt, KEY_SLOT)                    | SHA-256(salt, public key), kind SLOT_KEY |
 *
 * Slot info (label and creation time, layout 2 only) is sealed under
 * HKDF(KEM secret key, store id, SLOT_INFO) with AAD kind SLOT_INFO and
 * location (slot id, type, salt), so it opens only in its own slot and only
 * for someone who has unlocked the store: labels are user text and never
 * reach the disk in the clear. Labels are padded to MAX_LABEL_BYTES.
 *
 * Binding the KDF costs into the passphrase slot's AAD means an edited cost
 * cannot be used with the old slot. The recovery code carries 160 bits of
 * entropy, so it needs no stretching. Each slot's location excludes the
 * other slot's parameters, so changing the passphrase leaves the recovery
 * slot valid and vice versa.
 */
import { KIND } from '../format.ts';
import { buildAad } from '../crypto/aad.ts';
import { open, seal } from '../crypto/aead.ts';
import { argon2id } from '../crypto/argon2.ts';
import { HKDF_INFO, deriveKey, sha256Digest } from '../crypto/kdf.ts';
import { SymmetricKey } from '../crypto/keys.ts';
import type { Random } from '../crypto/random.ts';
import { wipe } from '../crypto/redacted.ts';
import { IntegrityError } from '../errors.ts';
import { concatBytes, fromUtf8, readU64, u32Bytes, utf8, writeU64 } from '../util/bytes.ts';
import type { KdfCost } from './kdf-params.ts';
import { MAX_LABEL_BYTES, SLOT_INFO_PLAIN_LENGTH, type SlotType } from './header.ts';

/** Passphrase bytes: strings are NFKC-normalized (the same text typed on any keyboard), bytes taken as they are. */
export function passphraseBytes(passphrase: string | Uint8Array): Uint8Array {
  return typeof passphrase === 'string' ? utf8(passphrase.normalize('NFKC')) : passphrase.slice();
}

/** Derives the passphrase slot key (Argon2id in a worker, then HKDF). */
export async function passphraseSlotKey(passphrase: string | Uint8Array, cost: KdfCost, salt: Uint8Array, signal?: AbortSignal): Promise<SymmetricKey> {
  const password = passphraseBytes(passphrase);
  try {
    const stretched = await argon2id(password, { ...cost, salt }, 32, signal);
    const key = deriveKey(stretched, salt, HKDF_INFO.PASSPHRASE_SLOT);
    wipe(stretched);
    return new SymmetricKey(key);
  } finally {
    wipe(password);
  }
}

/** Derives the recovery slot key from the code's entropy. */
export function recoverySlotKey(entropy: Uint8Array, salt: Uint8Array): SymmetricKey {
  return new SymmetricKey(deriveKey(entropy, salt, HKDF_INFO.RECOVERY_SLOT));
}

function passphraseAad(version: number, storeId: Uint8Array, cost: KdfCost, salt: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const location = sha256Digest(concatBytes(u32Bytes(cost.memoryKiB), u32Bytes(cost.iterations), u32Bytes(cost.parallelism), salt, publicKey));
  return buildAad(version, KIND.SLOT_PASSPHRASE, storeId, 0, location);
}

function recoveryAad(version: number, storeId: Uint8Array, salt: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return buildAad(version, KIND.SLOT_RECOVERY, storeId, 0, sha256Digest(concatBytes(salt, publicKey)));
}

/** Identifies the header a slot belongs to. */
export interface SlotContext {
  readonly version: number;
  readonly storeId: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function sealPassphraseSlot(ctx: SlotContext, key: SymmetricKey, cost: KdfCost, salt: Uint8Array, secretKey: Uint8Array, random: Random): Uint8Array {
  return seal(key, secretKey, passphraseAad(ctx.version, ctx.storeId, cost, salt, ctx.publicKey), random);
}

/** The KEM secret key, or undefined if the key does not open the slot. */
export function openPassphraseSlot(ctx: SlotContext, key: SymmetricKey, cost: KdfCost, salt: Uint8Array, slot: Uint8Array): Uint8Array | undefined {
  return open(key, slot, passphraseAad(ctx.version, ctx.storeId, cost, salt, ctx.publicKey));
}

export function sealRecoverySlot(ctx: SlotContext, key: SymmetricKey, salt: Uint8Array, secretKey: Uint8Array, random: Random): Uint8Array {
  return seal(key, secretKey, recoveryAad(ctx.version, ctx.storeId, salt, ctx.publicKey), random);
}

/** The KEM secret key, or undefined if the key does not open the slot. */
export function openRecoverySlot(ctx: SlotContext, key: SymmetricKey, salt: Uint8Array, slot: Uint8Array): Uint8Array | undefined {
  return open(key, slot, recoveryAad(ctx.version, ctx.storeId, salt, ctx.publicKey));
}

/** Derives the slot key of a raw 32-byte app key (HKDF only: the key is random, nothing to stretch). */
export function keySlotKey(key: Uint8Array, salt: Uint8Array): SymmetricKey {
  return new SymmetricKey(deriveKey(key, salt, HKDF_INFO.KEY_SLOT));
}

function keyAad(version: number, storeId: Uint8Array, salt: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return buildAad(version, KIND.SLOT_KEY, storeId, 0, sha256Digest(concatBytes(salt, publicKey)));
}

export function sealKeySlot(ctx: SlotContext, key: SymmetricKey, salt: Uint8Array, secretKey: Uint8Array, random: Random): Uint8Array {
  return seal(key, secretKey, keyAad(ctx.version, ctx.storeId, salt, ctx.publicKey), random);
}

/** The KEM secret key, or undefined if the key does not open the slot. */
export function openKeySlot(ctx: SlotContext, key: SymmetricKey, salt: Uint8Array, slot: Uint8Array): Uint8Array | undefined {
  return open(key, slot, keyAad(ctx.version, ctx.storeId, salt, ctx.publicKey));
}

/** A slot's label and creation time (ms since the epoch; undefined when unknown). */
export interface SlotInfo {
  readonly label: string;
  readonly created: number | undefined;
}

/** The key that seals slot infos: only an unlocked store can read labels. */
export function slotInfoKey(secretKey: Uint8Array, storeId: Uint8Array): SymmetricKey {
  return new SymmetricKey(deriveKey(secretKey, storeId, HKDF_INFO.SLOT_INFO));
}

function infoAad(ctx: SlotContext, id: number, type: SlotType, salt: Uint8Array): Uint8Array {
  return buildAad(ctx.version, KIND.SLOT_INFO, ctx.storeId, 0, concatBytes(u32Bytes(id), new Uint8Array([type]), salt));
}

/** Seals a slot's info; the label must already be validated (at most MAX_LABEL_BYTES of UTF-8). */
export function sealSlotInfo(ctx: SlotContext, key: SymmetricKey, slot: { id: number; type: SlotType; salt: Uint8Array }, info: SlotInfo, random: Random): Uint8Array {
  const label = utf8(info.label);
  const plain = new Uint8Array(SLOT_INFO_PLAIN_LENGTH);
  writeU64(plain, 0, BigInt(info.created ?? 0));
  plain[8] = label.length;
  plain.set(label, 9);
  return seal(key, plain, infoAad(ctx, slot.id, slot.type, slot.salt), random);
}

/**
 * Opens a slot's info.
 * @throws {IntegrityError} where 'header': the info does not open (edited, or moved from another slot).
 */
export function openSlotInfo(ctx: SlotContext, key: SymmetricKey, slot: { id: number; type: SlotType; salt: Uint8Array; info: Uint8Array }): SlotInfo {
  const plain = open(key, slot.info, infoAad(ctx, slot.id, slot.type, slot.salt));
  const length = plain?.[8];
  if (plain === undefined || length === undefined || length > MAX_LABEL_BYTES) throw new IntegrityError('header', `slot ${slot.id}`, 'slot info does not open');
  const created = Number(readU64(plain, 0));
  return { label: fromUtf8(plain.subarray(9, 9 + length)), created: created === 0 ? undefined : created };
}
