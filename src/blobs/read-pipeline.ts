/**
 * Reading a byte range of one blob content: only the chunks the range
 * touches are read (in batches of about 1 MiB, up to three batches read
 * ahead while the current one is consumed) and each is authenticated before any
 * of its bytes is handed out. A chunk that fails to open, or a file that
 * ends early, is an `IntegrityError('blob-chunk', '<blob id>#<chunk>')`.
 */
import { StreamCipher } from '../crypto/stream.ts';
import { IntegrityError } from '../errors.ts';
import type { SideFileReader } from '../engine/side-files.ts';
import { chunkAad, chunkCount, chunkOffset, sealedLength } from './chunks.ts';
import type { ContentRecord } from './records.ts';

/** Sealed chunks per file read. */
const BATCH_CHUNKS = 16;
/** Batches read ahead of the one being decrypted (memory: PREFETCH x ~1 MiB). */
const PREFETCH = 3;

export interface RangeReadContext {
  readonly storeId: Uint8Array;
  /** Names the blob in errors. */
  readonly label: string;
  readonly contentId: Uint8Array;
  readonly content: ContentRecord;
  /** The open side file, or undefined for an inline content. */
  readonly reader: SideFileReader | undefined;
  /** Throws when reading must stop (store closing, signal). */
  readonly check: () => void;
}

type Fetched = { readonly data: Uint8Array } | { readonly error: unknown };

/** Plaintext of bytes [start, end) of the content, chunk by chunk. */
export async function* readRange(ctx: RangeReadContext, start: number, end: number): AsyncGenerator<Uint8Array> {
  const { content } = ctx;
  const chunkBytes = content.chunkBytes;
  const count = chunkCount(content.size, chunkBytes);
  const cipher = new StreamCipher(content.key, chunkAad(ctx.storeId, ctx.contentId));
  try {
    // An empty read of an empty blob still authenticates its one chunk, so a forged empty blob is caught.
    const first = end > start ? Math.floor(start / chunkBytes) : 0;
    const last = end > start ? Math.floor((end - 1) / chunkBytes) : content.size === 0 ? 0 : -1;
    if (last < first) return;
    const deliver = (index: number, sealed: Uint8Array): Uint8Array => {
      const plain = cipher.open(index, index === count - 1, sealed);
      if (plain === undefined) throw new IntegrityError('blob-chunk', `${ctx.label}#${index}`, 'does not authenticate');
      const base = index * chunkBytes;
      const from = Math.max(0, start - base);
      const to = Math.min(plain.length, end - base);
      return from === 0 && to === plain.length ? plain : plain.subarray(from, Math.max(from, to));
    };
    if (ctx.reader === undefined) {
      ctx.check();
      const out = deliver(0, content.inline!);
      if (out.length > 0) yield out;
      return;
    }
    const reader = ctx.reader;
    const fetch = (from: number): { from: number; to: number; result: Promise<Fetched> } => {
      const to = Math.min(last, from + BATCH_CHUNKS - 1);
      const offset = chunkOffset(from, chunkBytes);
      const length = chunkOffset(to, chunkBytes) - offset + sealedLength(to, content.size, chunkBytes);
      // Wrapped so a prefetch nobody awaits (the reader stopped early) cannot become an unhandled rejection.
      return { from, to, result: reader.read(offset, length).then((data) => ({ data }), (error: unknown) => ({ error })) };
    };
    // Keep PREFETCH batches in flight: a read from the page cache still waits for a thread-pool hop.
    const queue: Array<ReturnType<typeof fetch>> = [fetch(first)];
    const refill = (): void => {
      while (queue.length < PREFETCH && queue[queue.length - 1]!.to < last) queue.push(fetch(queue[queue.length - 1]!.to + 1));
    };
    for (let current = queue[0]; current !== undefined; current = queue[0]) {
      ctx.check();
      refill();
      const fetched = await current.result;
      queue.shift();
      if ('error' in fetched) throw fetched.error;
      let at = 0;
      for (let index = current.from; index <= current.to; index++) {
        const length = sealedLength(index, content.size, chunkBytes);
        if (at + length > fetched.data.length) throw new IntegrityError('blob-chunk', `${ctx.label}#${index}`, 'file ends early');
        const out = deliver(index, fetched.data.subarray(at, at + length));
        at += length;
        if (out.length > 0) yield out;
      }
    }
  } finally {
    cipher.wipe();
  }
}
