/**
 * Writing one blob content: pull the source, cut it into chunks, seal each
 * with STREAM under a fresh random key, append the sealed chunks to a new
 * side file in batches, and make the file durable. Only then does the
 * caller commit the records that make the blob visible (blob-store.ts), so
 * a crash at any instant leaves either no new blob or a whole one.
 *
 * Memory stays constant: one plaintext chunk buffer and two batch buffers
 * of sealed chunks, used alternately so sealing the next batch overlaps
 * the write of the previous one. No plaintext is ever written.
 */
import { keyedHasher } from '../crypto/keyed-hash.ts';
import type { SymmetricKey } from '../crypto/keys.ts';
import type { Random } from '../crypto/random.ts';
import { CHUNK_OVERHEAD, StreamCipher } from '../crypto/stream.ts';
import type { SideFiles, SideFileWriter } from '../engine/side-files.ts';
import { throwIfAborted } from '../util/validate.ts';
import { CHUNK_BYTES, FILE_HEADER, chunkAad } from './chunks.ts';
import { CONTENT_ID_LENGTH, contentFileName, type ContentRecord } from './records.ts';
import { sourcePieces, type BlobSource } from './source.ts';

/** Sealed chunks per file write: 16 x 64 KiB, about 1 MiB per system call. */
const BATCH_CHUNKS = 16;

export interface WriteContext {
  readonly files: SideFiles;
  readonly storeId: Uint8Array;
  readonly random: Random;
}

export interface ContentWriteOptions {
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: { readonly bytes: number }) => void) | undefined;
  /** Blobs of one chunk up to this size stay in their content record. */
  readonly inlineBytes: number;
  /** Computes the keyed content hash for deduplication. */
  readonly dedupKey: SymmetricKey | undefined;
  /** Called with the side file as soon as it exists (so a close can abort it). */
  readonly onFile?: ((writer: SideFileWriter) => void) | undefined;
}

export interface WrittenContent {
  readonly contentId: Uint8Array;
  /** refs is 1: the name about to point at it. */
  readonly record: ContentRecord;
}

/** Writes `source` as a new content; on any failure its partial file is removed. */
export async function writeContent(ctx: WriteContext, source: BlobSource, options: ContentWriteOptions): Promise<WrittenContent> {
  const contentId = ctx.random(CONTENT_ID_LENGTH);
  const key = ctx.random(32);
  const cipher = new StreamCipher(key, chunkAad(ctx.storeId, contentId));
  const hasher = options.dedupKey === undefined ? undefined : keyedHasher(options.dedupKey);
  const sealedChunk = CHUNK_BYTES + CHUNK_OVERHEAD;
  const plain = new Uint8Array(CHUNK_BYTES);
  let filled = 0;
  let index = 0;
  let size = 0;
  let file: SideFileWriter | undefined;
  let batch = new Uint8Array(0);
  let spare = new Uint8Array(0);
  let used = 0;
  // At most one append in flight; its failure is kept, never left unhandled.
  let inflight: Promise<void> | undefined;
  let failure: unknown;

  const flushBatch = async (): Promise<void> => {
    if (inflight !== undefined) await inflight;
    if (failure !== undefined) throw failure;
    if (used === 0) return;
    if (file === undefined) {
      file = await ctx.files.create(contentFileName(contentId));
      options.onFile?.(file);
    }
    const pieces = file.bytes === 0 ? [FILE_HEADER, batch.subarray(0, used)] : [batch.subarray(0, used)];
    inflight = file.append(pieces).then(
      () => undefined,
      (error: unknown) => {
        failure = error;
      },
    );
    [batch, spare] = [spare, batch];
    used = 0;
    options.onProgress?.({ bytes: size });
  };

  const sealPending = async (last: boolean): Promise<void> => {
    if (batch.length === 0) {
      batch = new Uint8Array(BATCH_CHUNKS * sealedChunk);
      spare = new Uint8Array(BATCH_CHUNKS * sealedChunk);
    }
    cipher.sealInto(batch, used, index, last, plain.subarray(0, filled));
    used += filled + CHUNK_OVERHEAD;
    index++;
    filled = 0;
    if (used + sealedChunk > batch.length) await flushBatch();
  };

  try {
    for await (const piece of sourcePieces(source)) {
      throwIfAborted(options.signal);
      hasher?.update(piece);
      size += piece.length;
      let at = 0;
      while (at < piece.length) {
        // A full chunk is sealed only once more data shows it is not the last.
        if (filled === CHUNK_BYTES) {
          throwIfAborted(options.signal);
          await sealPending(false);
        }
        const n = Math.min(CHUNK_BYTES - filled, piece.length - at);
        plain.set(piece.subarray(at, at + n), filled);
        filled += n;
        at += n;
      }
    }
    throwIfAborted(options.signal);
    const hash = hasher?.digest();
    if (index === 0 && filled <= options.inlineBytes) {
      const inline = cipher.seal(0, true, plain.subarray(0, filled));
      options.onProgress?.({ bytes: size });
      return { contentId, record: { key, size, chunkBytes: CHUNK_BYTES, inline, file: undefined, refs: 1, hash } };
    }
    await sealPending(true);
    await flushBatch();
    if (inflight !== undefined) await inflight;
    if (failure !== undefined) throw failure;
    await file!.commit();
    return { contentId, record: { key, size, chunkBytes: CHUNK_BYTES, inline: undefined, file: contentFileName(contentId), refs: 1, hash } };
  } catch (error) {
    if (inflight !== undefined) await inflight;
    await file?.abort();
    key.fill(0);
    throw error;
  } finally {
    cipher.wipe();
    plain.fill(0);
  }
}
