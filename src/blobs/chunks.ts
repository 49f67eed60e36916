/**
 * Layout of a blob's chunks.
 *
 * A blob's plaintext is cut into chunks of `chunkBytes` (64 KiB) and each
 * is sealed with STREAM (crypto/stream.ts) under the blob's own key: chunk
 * index and last-chunk flag in the nonce, store id and content id in the
 * AAD. An empty blob is one empty last chunk, so even it authenticates.
 *
 * A small blob (one chunk, at most `inlineBytes`) is kept sealed inside its
 * content record. Larger ones go to a side file (engine/side-files.ts):
 *
 * | offset                      | bytes               | what                 |
 * |-----------------------------|---------------------|----------------------|
 * | 0                           | 8                   | 'SYNBLOB' + version  |
 * | 8 + i * (chunkBytes + 16)   | len(i) + 16         | sealed chunk i       |
 *
 * Every chunk but the last holds exactly `chunkBytes`, so chunk i sits at
 * a computed offset and a range read touches only the chunks it needs.
 * The file header is not secret and not trusted: sizes and keys come from
 * the authenticated content record.
 */
import { buildAad } from '../crypto/aad.ts';
import { CHUNK_OVERHEAD } from '../crypto/stream.ts';
import { FORMAT_LATEST, KIND } from '../format.ts';

/** Plaintext bytes per chunk. */
export const CHUNK_BYTES: number = 64 * 1024;
/** Version byte of the blob file layout. */
export const BLOB_FILE_V1 = 1;
/** The 8-byte file header. */
export const FILE_HEADER: Uint8Array = Uint8Array.of(0x53, 0x59, 0x4e, 0x42, 0x4c, 0x4f, 0x42, BLOB_FILE_V1);

/** Number of chunks of a blob of `size` bytes (at least one). */
export function chunkCount(size: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(size / chunkBytes));
}

/** Plaintext bytes in chunk `index`. */
export function plainLength(index: number, size: number, chunkBytes: number): number {
  return Math.min(chunkBytes, size - index * chunkBytes);
}

/** File offset of sealed chunk `index`. */
export function chunkOffset(index: number, chunkBytes: number): number {
  return FILE_HEADER.length + index * (chunkBytes + CHUNK_OVERHEAD);
}

/** Sealed bytes of chunk `index`. */
export function sealedLength(index: number, size: number, chunkBytes: number): number {
  return plainLength(index, size, chunkBytes) + CHUNK_OVERHEAD;
}

/** AAD of every chunk of one content: store and content id; the epoch field is 0 (blob keys are per content, not per epoch). */
export function chunkAad(storeId: Uint8Array, contentId: Uint8Array): Uint8Array {
  return buildAad(FORMAT_LATEST, KIND.BLOB_CHUNK, storeId, 0, contentId);
}
