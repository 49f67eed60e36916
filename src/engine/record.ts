/**
 * Sealed engine record: how every WAL record, block, run index, large value
 * and manifest is stored in LevelDB.
 *
 * | bytes | field                                          |
 * |-------|------------------------------------------------|
 * | 1     | format version (FORMAT_*)                      |
 * | 4     | key epoch, u32 BE: which data key sealed it    |
 * | 24    | XChaCha20 nonce, random                        |
 * | n     | ciphertext                                     |
 * | 16    | Poly1305 tag                                   |
 *
 * AAD (crypto/aad.ts): version, record kind, store id, epoch, and the
 * record's location (WAL sequence, run and block number, ...), so a record
 * copied to another key, kind, store or epoch, or replayed in place of
 * another, fails to open with `IntegrityError` naming it.
 *
 * Recording the epoch per record makes key rotation crash-safe: records are
 * re-sealed one by one, and a mix of old and new epochs always reads.
 */
import { IntegrityError, UnlockRequiredError, type IntegrityLocation } from '../errors.ts';
import { FORMAT_LATEST, isKnownFormat, type RecordKind } from '../format.ts';
import { buildAad } from '../crypto/aad.ts';
import { SEAL_OVERHEAD, open, seal } from '../crypto/aead.ts';
import type { Random } from '../crypto/random.ts';
import { readU32, writeU32 } from '../util/bytes.ts';
import type { Keyring } from '../keyring/keyring.ts';

const HEADER_LENGTH = 5;

/** Seals and opens engine records with the store's current keyring. */
export class RecordCipher {
  #keyring: Keyring | undefined;
  /** Why the keyring is gone (engine lock), for the error. */
  #locked: 'manual' | 'idle' = 'manual';
  /** The current epoch when the keyring was wiped (stats keep working while locked). */
  #epochAtLock = 0;
  readonly #random: Random | undefined;

  constructor(keyring: Keyring, random?: Random) {
    this.#keyring = keyring;
    this.#random = random;
  }

  /** @throws {UnlockRequiredError} while the store is locked (keys wiped). */
  get keyring(): Keyring {
    if (this.#keyring === undefined) throw new UnlockRequiredError(this.#locked);
    return this.#keyring;
  }

  /** The epoch new records are sealed under (the last one known while locked). */
  get currentEpoch(): number {
    return this.#keyring?.currentEpoch ?? this.#epochAtLock;
  }

  /** Swaps in a re-keyed keyring (after its header was written), or the one an unlock produced. */
  setKeyring(keyring: Keyring): void {
    this.#keyring = keyring;
  }

  /** Wipes the keyring and forgets it: sealing and opening throw `UnlockRequiredError` until `setKeyring`. */
  lock(reason: 'manual' | 'idle'): void {
    const keyring = this.#keyring;
    if (keyring === undefined) return;
    this.#epochAtLock = keyring.currentEpoch;
    this.#locked = reason;
    this.#keyring = undefined;
    keyring.wipe();
  }

  /** Seals `plaintext` under the current epoch's data key. */
  seal(kind: RecordKind, location: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const keyring = this.keyring;
    const epoch = keyring.currentEpoch;
    const aad = buildAad(FORMAT_LATEST, kind, keyring.storeId, epoch, location);
    const out = seal(keyring.dataKey(epoch), plaintext, aad, this.#random, HEADER_LENGTH);
    out[0] = FORMAT_LATEST;
    writeU32(out, 1, epoch);
    return out;
  }

  /**
   * Opens a record; `where`/`id` name it in errors.
   *
   * An unknown version byte is damage, not a newer format: a newer format is
   * declared by the store header, which refuses to open first
   * (`FormatVersionError` where 'header'), so inside an open store every
   * record must carry a version this build knows.
   * @throws {IntegrityError} tampered, truncated, moved, replayed, unknown version, or sealed under an unknown epoch.
   */
  open(kind: RecordKind, location: Uint8Array, record: Uint8Array, where: IntegrityLocation, id: string | number): Uint8Array {
    if (record.length < HEADER_LENGTH + SEAL_OVERHEAD) throw new IntegrityError(where, id, 'truncated');
    const version = record[0] as number;
    if (!isKnownFormat(version)) throw new IntegrityError(where, id, `unknown record version ${version}`);
    const epoch = readU32(record, 1);
    const keyring = this.keyring;
    if (!keyring.hasEpoch(epoch)) throw new IntegrityError(where, id, `sealed under unknown epoch ${epoch}`);
    const plain = open(keyring.dataKey(epoch), record.subarray(HEADER_LENGTH), buildAad(version, kind, keyring.storeId, epoch, location));
    if (plain === undefined) throw new IntegrityError(where, id, 'authentication failed');
    return plain;
  }

  /** The epoch a sealed record claims (for rotation), or undefined if too short. */
  static epochOf(record: Uint8Array): number | undefined {
    return record.length < HEADER_LENGTH ? undefined : readU32(record, 1);
  }
}
