/**
 * The storage below the engine: LevelDB on disk (`classic-level`) or in
 * memory (`memory-level`). The only module that imports either.
 *
 * The engine stores only opaque records here (sealed WAL records, blocks,
 * run indexes, the manifest) under short structural keys that reveal
 * nothing about user keys (engine/keys.ts). The header lives beside the
 * LevelDB folder as two files (header-file.ts), or in memory.
 *
 * Every failure below surfaces as a typed error: `StoreLockedError` when
 * another handle owns the directory, `StorageFullError` on ENOSPC,
 * `IOError` otherwise, each with the original error as `cause`.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { IOError, StorageFullError, StoreLockedError, StoreNotFoundError, SynapsedError } from '../errors.ts';
import { ioError, readHeaderCopies, writeHeaderCopies } from './header-file.ts';
import { diskSideFiles, memorySideFiles, type SideFiles } from './side-files.ts';

/** File beside the header: the sequence of the last clean close, sealed. */
const CLOSE_MARK = 'CLOSED';

/** One write in an atomic batch. */
export type BackendOp = { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array } | { readonly type: 'del'; readonly key: Uint8Array };

/** A half-open key range [gte, lt). */
export interface BackendRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

/** What the engine needs from the storage below. */
export interface Backend {
  /** True when data survives the process (disk). */
  readonly persistent: boolean;
  /** Where the store lives (a directory, or ':memory:'). */
  readonly location: string;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Synchronous read: no thread-pool hop. */
  getSync(key: Uint8Array): Uint8Array | undefined;
  /** Applies `ops` atomically; `sync` makes them durable (fsync) before resolving. */
  write(ops: readonly BackendOp[], sync: boolean): Promise<void>;
  /** Deletes every key in the range. */
  clear(range: BackendRange): Promise<void>;
  /** Entries in the range, in key order. */
  entries(range: BackendRange): AsyncIterable<[Uint8Array, Uint8Array]>;
  /** Keys in the range, in key order. */
  keys(range: BackendRange): AsyncIterable<Uint8Array>;
  /** Asks LevelDB to compact the range, so deleted ciphertext leaves the files. */
  compact(range: BackendRange): Promise<void>;
  readHeader(): Promise<Array<Uint8Array | undefined>>;
  writeHeader(header: Uint8Array): Promise<void>;
  /** The close marker (engine.ts): a small sealed record kept outside LevelDB, or undefined. */
  readCloseMark(): Promise<Uint8Array | undefined>;
  /** Replaces (atomically) or, with undefined, removes the close marker. */
  writeCloseMark(mark: Uint8Array | undefined): Promise<void>;
  /** Append-only files beside LevelDB (side-files.ts), one folder per area. */
  sideFiles(area: string): SideFiles;
  close(): Promise<void>;
}

// Both implement the same abstract-level API; typed as the disk one, checked with instanceof where they differ.
type Level = ClassicLevel<Uint8Array, Uint8Array>;

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;

/** LevelDB tuning for encrypted, incompressible values. */
const CLASSIC_OPTIONS = {
  ...VIEW,
  // Ciphertext does not compress; Snappy would only burn CPU.
  compression: false,
  // LevelDB's cache would hold ciphertext; the engine caches decrypted blocks instead.
  cacheSize: 4 * 1024 * 1024,
  // LevelDB's default: larger buffers sped up nothing measurable and doubled native memory.
  writeBufferSize: 4 * 1024 * 1024,
  maxFileSize: 8 * 1024 * 1024,
} as const;

class LevelBackend implements Backend {
  readonly #db: Level;
  readonly #headerDir: string | undefined;
  #memoryHeader: Uint8Array | undefined;
  readonly #areas = new Map<string, SideFiles>();
  readonly persistent: boolean;
  readonly location: string;

  constructor(db: Level, location: string, headerDir: string | undefined) {
    this.#db = db;
    this.location = location;
    this.#headerDir = headerDir;
    this.persistent = headerDir !== undefined;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      return await this.#db.get(key);
    } catch (error) {
      throw mapLevelError('read', error, this.location);
    }
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    try {
      return this.#db.getSync(key);
    } catch (error) {
      throw mapLevelError('read', error, this.location);
    }
  }

  async write(ops: readonly BackendOp[], sync: boolean): Promise<void> {
    try {
      const only = ops.length === 1 ? ops[0] : undefined;
      // A single put skips abstract-level's batch preparation: the common case of one awaited commit.
      if (only?.type === 'put') await this.#db.put(only.key, only.value, { sync } as object);
      else await this.#db.batch(ops as BackendOp[], { sync } as object);
    } catch (error) {
      throw mapLevelError('write', error, this.location);
    }
  }

  async clear(range: BackendRange): Promise<void> {
    try {
      await this.#db.clear({ gte: range.gte, lt: range.lt });
    } catch (error) {
      throw mapLevelError('write', error, this.location);
    }
  }

  async *entries(range: BackendRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    try {
      for await (const entry of this.#db.iterator({ gte: range.gte, lt: range.lt })) yield entry;
    } catch (error) {
      throw mapLevelError('read', error, this.location);
    }
  }

  async *keys(range: BackendRange): AsyncIterable<Uint8Array> {
    try {
      for await (const key of this.#db.keys({ gte: range.gte, lt: range.lt })) yield key;
    } catch (error) {
      throw mapLevelError('read', error, this.location);
    }
  }

  async compact(range: BackendRange): Promise<void> {
    if (!(this.#db instanceof ClassicLevel)) return;
    try {
      await this.#db.compactRange(range.gte, range.lt);
    } catch (error) {
      throw mapLevelError('compact', error, this.location);
    }
  }

  async readHeader(): Promise<Array<Uint8Array | undefined>> {
    if (this.#headerDir === undefined) return [this.#memoryHeader];
    return readHeaderCopies(this.#headerDir);
  }

  async writeHeader(header: Uint8Array): Promise<void> {
    if (this.#headerDir === undefined) {
      this.#memoryHeader = header.slice();
      return;
    }
    await writeHeaderCopies(this.#headerDir, header);
  }

  async readCloseMark(): Promise<Uint8Array | undefined> {
    if (this.#headerDir === undefined) return undefined;
    try {
      return new Uint8Array(await readFile(join(this.#headerDir, CLOSE_MARK)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError('read close marker', error);
    }
  }

  async writeCloseMark(mark: Uint8Array | undefined): Promise<void> {
    if (this.#headerDir === undefined) return;
    const path = join(this.#headerDir, CLOSE_MARK);
    try {
      if (mark === undefined) {
        await rm(path, { force: true });
        return;
      }
      // Write, fsync, rename: a crash leaves the old marker or the new one, never a torn one.
      const temp = `${path}.tmp`;
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(mark);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      throw ioError('write close marker', error);
    }
  }

  sideFiles(area: string): SideFiles {
    let files = this.#areas.get(area);
    if (files === undefined) {
      files = this.#headerDir === undefined ? memorySideFiles() : diskSideFiles(this.#headerDir, area);
      this.#areas.set(area, files);
    }
    return files;
  }

  async close(): Promise<void> {
    try {
      await this.#db.close();
    } catch (error) {
      throw mapLevelError('close', error, this.location);
    }
  }
}

/** Opens (creating if needed) the LevelDB folder `dir/db`; the header files sit in `dir`. */
export async function openDiskBackend(dir: string): Promise<Backend> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw mapLevelError('create directory', error, dir);
  }
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'db'), CLASSIC_OPTIONS);
  try {
    await db.open();
  } catch (error) {
    throw mapLevelError('open', error, dir);
  }
  return new LevelBackend(db, dir, dir);
}

/** A plaintext LevelDB directory opened for reading by the importers (engine/importers/). */
export interface PlaintextLevel {
  /** Every entry, in key order, as raw bytes. */
  entries(signal?: AbortSignal): AsyncIterable<[Uint8Array, Uint8Array]>;
  close(): Promise<void>;
}

/**
 * Opens an existing plaintext LevelDB directory (written by classic-level,
 * leveldown, level) for reading only: never created, never written through.
 * LevelDB itself may still tidy its internal files on open (it replays its
 * log into a table and rotates its LOG), as every LevelDB reader does; the
 * records stay as they are.
 * @throws {StoreNotFoundError} `dir` holds no LevelDB database.
 * @throws {StoreLockedError} another process has it open.
 */
export async function openPlaintextLevel(dir: string): Promise<PlaintextLevel> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { ...VIEW, createIfMissing: false, errorIfExists: false });
  try {
    await db.open();
  } catch (error) {
    if (/does not exist|create_if_missing/i.test(causeMessages(error))) throw new StoreNotFoundError(dir);
    throw mapLevelError('open', error, dir);
  }
  return {
    async *entries(signal?: AbortSignal): AsyncIterable<[Uint8Array, Uint8Array]> {
      const iterator = db.iterator();
      try {
        for (;;) {
          if (signal?.aborted === true) return;
          // Batches of entries per native call: one hop per entry would dominate a large import.
          const batch = await iterator.nextv(1000);
          if (batch.length === 0) return;
          for (const entry of batch) yield entry;
        }
      } catch (error) {
        throw mapLevelError('read', error, dir);
      } finally {
        await iterator.close();
      }
    },
    async close(): Promise<void> {
      try {
        await db.close();
      } catch (error) {
        throw mapLevelError('close', error, dir);
      }
    },
  };
}

function causeMessages(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(String((current as { message?: unknown }).message));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

/** An ephemeral in-memory backend: same engine, same encryption, nothing on disk. */
export async function openMemoryBackend(): Promise<Backend> {
  const db = new MemoryLevel<Uint8Array, Uint8Array>(VIEW);
  await db.open();
  return new LevelBackend(db as unknown as Level, ':memory:', undefined);
}

/** Maps Level and system errors to the package's typed errors. */
function mapLevelError(operation: string, error: unknown, location: string): SynapsedError {
  if (error instanceof SynapsedError) return error;
  const codes = causeCodes(error);
  if (codes.includes('LEVEL_LOCKED')) return new StoreLockedError(location, { cause: error });
  if (codes.includes('ENOSPC') || /no space left/i.test(String((error as Error)?.message))) return new StorageFullError(operation, error);
  return new IOError(operation, error);
}

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}
