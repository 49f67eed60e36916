/**
 * Associated data: what every ciphertext is bound to.
 *
 * | bytes | field                                   |
 * |-------|-----------------------------------------|
 * | 1     | format version (format.ts)              |
 * | 1     | record kind (format.ts KIND)            |
 * | 16    | store id                                |
 * | 4     | key epoch, big-endian                   |
 * | n     | location, kind-specific (table below)   |
 *
 * | kind            | location                                     |
 * |-----------------|----------------------------------------------|
 * | SLOT_PASSPHRASE | SHA-256(KDF costs, passphrase salt, pub key) |
 * | SLOT_RECOVERY   | SHA-256(recovery salt, public key)           |
 * | SLOT_KEY        | SHA-256(key-slot salt, public key)           |
 * | SLOT_INFO       | slot id (u32), slot type, slot salt          |
 * | DATA_KEY        | empty (epoch field carries the epoch)        |
 * | WAL             | 8-byte sequence number                       |
 * | PAGE            | page id                                      |
 * | META            | name of the metadata record                  |
 * | LARGE_VALUE     | value id                                     |
 * | SNAPSHOT        | snapshot name                                |
 * | RUN_INDEX       | run id (u32)                                 |
 * | PAGE (blocks)   | run id (u32), block number (u32)             |
 * | BLOB_CHUNK      | blob content id (16 bytes); the chunk index  |
 * |                 | and last flag are in the STREAM nonce        |
 *
 * A ciphertext copied to another store, record, epoch, purpose or version
 * therefore fails to open. Fixed-width fields come first, so distinct
 * inputs never encode to the same bytes.
 */
import type { RecordKind } from '../format.ts';

/** Store ids are 16 random bytes. */
export const STORE_ID_LENGTH = 16;

/** Builds the AAD for one ciphertext. `storeId` must be 16 bytes (callers validate). */
export function buildAad(version: number, kind: RecordKind, storeId: Uint8Array, epoch: number, location: Uint8Array): Uint8Array {
  const out = new Uint8Array(22 + location.length);
  out[0] = version;
  out[1] = kind;
  out.set(storeId, 2);
  out[18] = epoch >>> 24;
  out[19] = (epoch >>> 16) & 0xff;
  out[20] = (epoch >>> 8) & 0xff;
  out[21] = epoch & 0xff;
  out.set(location, 22);
  return out;
}
