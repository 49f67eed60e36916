/**
 * NDJSON export and import, for the key-value store (encoding.ts: one
 * `{"key", "value"}` per line) or one document collection (`--collection`,
 * the documents layer's own NDJSON: `Collection.export` / `import`).
 *
 * Export writes to `--output FILE` or stdout; import reads `--input FILE`
 * or stdin. Both show progress: export against a count taken first,
 * import against the input file's size (unknown for stdin). Import writes
 * in atomic batches: on a bad line, earlier batches stay written and the
 * exit code is DATA.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { InvalidArgumentError } from '../../errors.ts';
import { Collection } from '../../documents/collection.ts';
import { lines } from '../../documents/ndjson.ts';
import type { BatchOperation } from '../../engine/keyspace.ts';
import type { Store } from '../../engine/storage.ts';
import type { Context } from '../context.ts';
import { kvLine, parseKvLine } from '../encoding.ts';
import { CliExit, EXIT } from '../exit-codes.ts';
import type { Progress } from '../progress.ts';

export interface TransferOptions {
  readonly collection?: string;
  readonly batchSize?: number;
}

/** Where exported lines go: a new file (buffered, mode 0600, never overwritten) or stdout. */
class Sink {
  readonly #file: FileHandle | undefined;
  readonly #stdout: NodeJS.WritableStream;
  #pending: string[] = [];
  #bytes = 0;

  private constructor(file: FileHandle | undefined, stdout: NodeJS.WritableStream) {
    this.#file = file;
    this.#stdout = stdout;
  }

  static async open(path: string | undefined, stdout: NodeJS.WritableStream): Promise<Sink> {
    return new Sink(path === undefined ? undefined : await open(path, 'wx', 0o600), stdout);
  }

  async write(text: string): Promise<void> {
    if (this.#file === undefined) {
      if (!this.#stdout.write(text)) await once(this.#stdout, 'drain');
      return;
    }
    this.#pending.push(text);
    this.#bytes += text.length;
    if (this.#bytes >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#file === undefined || this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    this.#bytes = 0;
    await this.#file.write(text);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.#file?.close();
    }
  }
}

/** Counts entries for the progress total (only when a bar is drawn). */
async function total(ctx: Context, store: Store, collection: Collection | undefined): Promise<number> {
  if (ctx.io.stdout.isTTY !== true || ctx.out.json || ctx.options.progress === false) return 0;
  if (collection !== undefined) return collection.count();
  let n = 0;
  for await (const _ of store.scan()) n++;
  return n;
}

/** `export <dir>`: NDJSON of the KV store or of one collection. */
export async function exportNdjson(ctx: Context, dir: string, options: TransferOptions & { output?: string }): Promise<void> {
  const toFile = options.output !== undefined && options.output !== '-';
  const out = await Sink.open(toFile ? options.output : undefined, ctx.io.stdout);
  let n = 0;
  try {
    await ctx.withStore(dir, async (store) => {
      const collection = options.collection === undefined ? undefined : await Collection.open(store, options.collection);
      const bar = toFile ? ctx.progress('export', 'records', await total(ctx, store, collection)) : undefined;
      try {
        if (collection !== undefined) {
          for await (const line of collection.export()) {
            ctx.throwIfInterrupted();
            await out.write(line);
            n++;
            bar?.update(n);
          }
        } else {
          for await (const [key, value] of store.scan()) {
            ctx.throwIfInterrupted();
            await out.write(kvLine(key, value));
            n++;
            bar?.update(n);
          }
        }
      } finally {
        bar?.stop();
      }
    });
  } finally {
    await out.close();
  }
  // The data went to stdout unless --output was given: the summary must not mix with it.
  if (toFile) ctx.out.result(`exported ${n} ${options.collection === undefined ? 'entries' : 'documents'} to ${options.output as string}`, { ok: true, count: n, output: options.output });
  else ctx.io.stderr.write(ctx.out.json ? '' : `exported ${n} ${options.collection === undefined ? 'entries' : 'documents'}\n`);
}

/** A byte source that reports how far it got. */
async function* counted(source: AsyncIterable<Buffer | string> | NodeJS.ReadableStream, onBytes: (n: number) => void): AsyncGenerator<Uint8Array | string> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    onBytes(bytes);
    yield chunk;
  }
}

async function importKv(ctx: Context, store: Store, source: AsyncIterable<Uint8Array | string>, batchSize: number, bar: Progress, read: () => number): Promise<number> {
  let batch: BatchOperation[] = [];
  let n = 0;
  let lineNumber = 0;
  const flush = async (): Promise<void> => {
    await store.batch(batch);
    n += batch.length;
    batch = [];
    bar.update(read());
  };
  for await (const line of lines(source)) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    ctx.throwIfInterrupted();
    const { key, value } = parseKvLine(line, lineNumber);
    batch.push({ type: 'put', key, value });
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return n;
}

/** `import <dir>`: NDJSON into the KV store or one collection. */
export async function importNdjson(ctx: Context, dir: string, options: TransferOptions & { input?: string }): Promise<void> {
  const fromFile = options.input !== undefined && options.input !== '-';
  const size = fromFile ? (await stat(options.input as string)).size : 0;
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliExit(EXIT.USAGE, 'bad-option', '--batch-size: expected a positive integer');
  const raw: NodeJS.ReadableStream & { destroy(error?: Error): void } = fromFile ? createReadStream(options.input as string) : ctx.io.stdin;
  // Interrupted while waiting for input: end the read with the interruption, not with a partial success.
  const onAbort = (): void => raw.destroy(new CliExit(EXIT.INTERRUPTED, 'interrupted', 'interrupted'));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let bytesRead = 0;
  const source = counted(raw, (b) => {
    bytesRead = b;
  });
  const n = await ctx.withStore(dir, async (store) => {
    ctx.throwIfInterrupted();
    const bar = ctx.progress('import', 'bytes', size);
    try {
      if (options.collection === undefined) return await importKv(ctx, store, source, batchSize, bar, () => bytesRead);
      const collection = await Collection.open(store, options.collection);
      try {
        return await collection.import(source, { batchSize, signal: ctx.signal, onProgress: () => bar.update(bytesRead) });
      } catch (error) {
        // A line that is not a valid document is bad input data, like a bad KV line.
        if (error instanceof InvalidArgumentError && error.argument.startsWith('line ')) throw new CliExit(EXIT.DATA, 'bad-line', error.message);
        throw error;
      }
    } finally {
      bar.stop();
      ctx.signal.removeEventListener('abort', onAbort);
    }
  });
  ctx.out.result(`imported ${n} ${options.collection === undefined ? 'entries' : 'documents'}`, { ok: true, count: n });
}
