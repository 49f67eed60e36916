/**
 * Blob commands: `blob put`, `blob get`, `blob ls`, `blob stat`, `blob rm`
 * on the store's blobs (src/blobs/: streamed, chunked, encrypted).
 *
 * put streams a file or stdin in; get streams the blob (or a byte range)
 * to stdout or to a new file. Both show progress in bytes when the size is
 * known and a person is watching (context.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat as statFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { BlobStore, type BlobInfo } from '../../blobs/blob-store.ts';
import type { Context } from '../context.ts';
import { CliExit, EXIT } from '../exit-codes.ts';
import { formatBytes } from '../output.ts';

function infoJson(info: BlobInfo): Record<string, unknown> {
  return {
    id: info.id, size: info.size, contentType: info.contentType ?? null, metadata: info.metadata ?? null,
    created: info.created.toISOString(), modified: info.modified.toISOString(),
  };
}

function infoLine(info: BlobInfo): string {
  return `${info.id}\t${info.size}\t${info.contentType ?? '-'}\t${info.modified.toISOString()}`;
}

/** `blob put <dir> <id> [file]`: the file, or stdin when omitted or '-'. */
export async function blobPut(ctx: Context, dir: string, id: string, file: string | undefined, options: { contentType?: string; dedup?: boolean }): Promise<void> {
  const fromFile = file !== undefined && file !== '-';
  const size = fromFile ? (await statFile(file)).size : 0;
  const source: Readable = fromFile ? createReadStream(file) : ctx.io.stdin;
  const info = await ctx.withStore(dir, async (store) => {
    const bar = ctx.progress('blob put', 'bytes', size);
    try {
      return await BlobStore.of(store).write(id, source, {
        signal: ctx.signal, onProgress: (p) => bar.update(p.bytes),
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }), ...(options.dedup === true ? { dedup: true } : {}),
      });
    } finally {
      bar.stop();
    }
  });
  ctx.out.result(`stored ${info.id} (${formatBytes(info.size)})`, infoJson(info));
}

/** Counts bytes passing through, for progress. */
function counter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done): void {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

/** `blob get <dir> <id>`: to stdout, or to a new file with --output; a byte range with --start/--end (inclusive). */
export async function blobGet(ctx: Context, dir: string, id: string, options: { output?: string; start?: number; end?: number }): Promise<void> {
  const toFile = options.output !== undefined && options.output !== '-';
  let written = 0;
  await ctx.withStore(dir, async (store) => {
    const blobs = BlobStore.of(store);
    const info = await blobs.stat(id);
    if (info === undefined) throw new CliExit(EXIT.KEY_NOT_FOUND, 'blob-not-found', `no such blob: ${id}`);
    const start = Math.min(options.start ?? 0, info.size);
    const end = Math.min(options.end ?? info.size - 1, info.size - 1);
    const total = Math.max(0, end - start + 1);
    const bar = toFile ? ctx.progress('blob get', 'bytes', total) : undefined;
    try {
      // An empty blob or range still creates the output file, empty.
      const source = total === 0 ? Readable.from([]) : blobs.createReadStream(id, { start, end, signal: ctx.signal });
      const sink = toFile ? createWriteStream(options.output as string, { flags: 'wx', mode: 0o600 }) : ctx.io.stdout;
      await pipeline(source, counter((n) => {
        written = n;
        bar?.update(n);
      }), sink, toFile ? {} : { end: false });
    } finally {
      bar?.stop();
    }
  });
  if (toFile) ctx.out.result(`wrote ${formatBytes(written)} to ${options.output as string}`, { ok: true, bytes: written, output: options.output });
}

/** `blob ls <dir>`: id, size, content type and modification time per line. */
export async function blobLs(ctx: Context, dir: string, options: { prefix?: string; limit?: number }): Promise<void> {
  await ctx.withStore(dir, async (store) => {
    for await (const info of BlobStore.of(store).list({ signal: ctx.signal, ...(options.prefix === undefined ? {} : { prefix: options.prefix }), ...(options.limit === undefined ? {} : { limit: options.limit }) })) {
      ctx.out.result(infoLine(info), infoJson(info));
    }
  });
}

/** `blob stat <dir> <id>`: one blob's record (exit 5 when absent). */
export async function blobStat(ctx: Context, dir: string, id: string): Promise<void> {
  const info = await ctx.withStore(dir, (store) => BlobStore.of(store).stat(id));
  if (info === undefined) throw new CliExit(EXIT.KEY_NOT_FOUND, 'blob-not-found', `no such blob: ${id}`);
  ctx.out.result(infoLine(info), infoJson(info));
}

/** `blob rm <dir> <id>`: deletes (no error when absent, as `del`). */
export async function blobRm(ctx: Context, dir: string, id: string): Promise<void> {
  const existed = await ctx.withStore(dir, (store) => BlobStore.of(store).delete(id));
  ctx.out.result(existed ? `deleted ${id}` : `${id} did not exist`, { ok: true, existed });
}
