/**
 * Side files: append-only files beside LevelDB for data that would cost
 * too much inside an LSM (big values are rewritten at every merge: about
 * 10x write amplification; WiscKey and RocksDB BlobDB keep them apart).
 *
 * The engine stores only bytes it is handed (the layers above seal them
 * first) and knows nothing of what they mean. A file is written once,
 * made durable with `commit()` (fsync of the file, then of the folder,
 * so its name survives a power cut), read at any offset, and removed
 * whole. On disk an area is the folder `<store>/<area>` (mode 0700, files
 * 0600); memory stores keep the bytes in memory.
 *
 * Every failure is a typed error: `StorageFullError` on ENOSPC/EDQUOT,
 * `IOError` otherwise, each with the system error as `cause`.
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.ts';
import { concatAll } from '../util/bytes.ts';
import { ioError } from './header-file.ts';

/** A file being written: append, then commit (durable) or abort (removed). */
export interface SideFileWriter {
  /** Bytes appended so far. */
  readonly bytes: number;
  /** Appends `pieces` in order, in one system call where possible. */
  append(pieces: readonly Uint8Array[]): Promise<void>;
  /** Makes the file and its name durable and closes it. */
  commit(): Promise<void>;
  /** Closes and removes the file. Never throws. */
  abort(): Promise<void>;
}

/** An open file for reads at any offset. */
export interface SideFileReader {
  /** Up to `length` bytes from `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** One area of side files. Names are lower-case letters, digits, '.' and '-'. */
export interface SideFiles {
  create(name: string): Promise<SideFileWriter>;
  /** Opens `name` for reading, or undefined when it does not exist. */
  open(name: string): Promise<SideFileReader | undefined>;
  /** Names of the files in the area (any order). */
  list(): Promise<string[]>;
  /** Removes `name`; a missing file is not an error. */
  remove(name: string): Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9.-]{0,99}$/;

function mustName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidArgumentError('name', 'a side-file name of [a-z0-9.-]', name);
  return name;
}

/** The area `dir/area` on disk. */
export function diskSideFiles(dir: string, area: string): SideFiles {
  const folder = join(dir, mustName(area));
  let ready: Promise<void> | undefined;
  const ensureFolder = (): Promise<void> =>
    (ready ??= (async () => {
      try {
        await mkdir(folder, { recursive: true, mode: 0o700 });
        await syncFolder(dir);
      } catch (error) {
        ready = undefined;
        throw ioError('create side-file folder', error);
      }
    })());
  return {
    async create(name) {
      const path = join(folder, mustName(name));
      await ensureFolder();
      let handle: FileHandle;
      try {
        handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      } catch (error) {
        throw ioError('create side file', error);
      }
      return new DiskWriter(handle, path, folder);
    },
    async open(name) {
      const path = join(folder, mustName(name));
      try {
        return new DiskReader(await open(path, constants.O_RDONLY));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw ioError('open side file', error);
      }
    },
    async list() {
      try {
        return (await readdir(folder)).filter((n) => NAME.test(n));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw ioError('list side files', error);
      }
    },
    async remove(name) {
      try {
        await rm(join(folder, mustName(name)), { force: true });
      } catch (error) {
        throw ioError('remove side file', error);
      }
    },
  };
}

class DiskWriter implements SideFileWriter {
  readonly #handle: FileHandle;
  readonly #path: string;
  readonly #folder: string;
  #bytes = 0;
  #closed = false;

  constructor(handle: FileHandle, path: string, folder: string) {
    this.#handle = handle;
    this.#path = path;
    this.#folder = folder;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async append(pieces: readonly Uint8Array[]): Promise<void> {
    let total = 0;
    for (const p of pieces) total += p.length;
    try {
      let written = 0;
      let list = pieces as Uint8Array[];
      // writev may write less than asked (signals, quotas): continue from where it stopped.
      while (written < total) {
        const { bytesWritten } = await this.#handle.writev(list, this.#bytes + written);
        written += bytesWritten;
        if (written < total) list = remainder(pieces, written);
      }
    } catch (error) {
      throw ioError('write side file', error);
    }
    this.#bytes += total;
  }

  async commit(): Promise<void> {
    try {
      await this.#handle.sync();
      this.#closed = true;
      await this.#handle.close();
      await syncFolder(this.#folder);
    } catch (error) {
      throw ioError('sync side file', error);
    }
  }

  async abort(): Promise<void> {
    if (!this.#closed) await this.#handle.close().catch(() => undefined);
    this.#closed = true;
    await rm(this.#path, { force: true }).catch(() => undefined);
  }
}

/** The pieces after the first `skip` bytes. */
function remainder(pieces: readonly Uint8Array[], skip: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const p of pieces) {
    if (skip >= p.length) {
      skip -= p.length;
      continue;
    }
    out.push(skip > 0 ? p.subarray(skip) : p);
    skip = 0;
  }
  return out;
}

class DiskReader implements SideFileReader {
  readonly #handle: FileHandle;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    try {
      while (filled < length) {
        const { bytesRead } = await this.#handle.read(out, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
    } catch (error) {
      throw ioError('read side file', error);
    }
    return filled === length ? out : out.subarray(0, filled);
  }

  async close(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** An area in memory (memory stores): same contract, gone with the process. */
export function memorySideFiles(): SideFiles {
  const files = new Map<string, Uint8Array[]>();
  return {
    async create(name) {
      mustName(name);
      if (files.has(name)) throw ioError('create side file', Object.assign(new Error(`${name} exists`), { code: 'EEXIST' }));
      const pieces: Uint8Array[] = [];
      files.set(name, pieces);
      let bytes = 0;
      return {
        get bytes() {
          return bytes;
        },
        async append(more) {
          for (const p of more) {
            pieces.push(p.slice());
            bytes += p.length;
          }
        },
        async commit() {
          // Compact the pieces into one array so reads are a subarray.
          const whole = concatAll(pieces);
          pieces.length = 0;
          pieces.push(whole);
        },
        async abort() {
          if (files.get(name) === pieces) files.delete(name);
        },
      };
    },
    async open(name) {
      mustName(name);
      const pieces = files.get(name);
      if (pieces === undefined) return undefined;
      return {
        async read(offset, length) {
          const whole = pieces.length === 1 ? pieces[0]! : concatAll(pieces);
          return whole.slice(offset, Math.min(whole.length, offset + length));
        },
        async close() {},
      };
    },
    async list() {
      return [...files.keys()];
    },
    async remove(name) {
      files.delete(mustName(name));
    },
  };
}
