/**
 * Persists the store header as two files, `HEADER-A` and `HEADER-B`.
 *
 * A write replaces A (write, truncate, fsync), then B the same way. At every
 * instant at least one file holds a complete header, old or new: a crash in
 * the middle of A leaves B with the old header; in the middle of B, A with
 * the new one. Readers (keyring/keyring.ts) take the newest intact copy, so
 * no rename is needed. When a write creates a file, the directory is fsynced
 * too, so the new name survives a power cut.
 *
 * A write that fails part-way may still have replaced A: the caller must
 * treat a failed header write as "old or new", never as "old".
 */
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IOError, StorageFullError } from '../errors.ts';

/** File names of the copies, in write order. */
export const HEADER_FILES = ['HEADER-A', 'HEADER-B'] as const;

/** Reads both copies; a missing copy is undefined. @throws {IOError} any other read failure. */
export async function readHeaderCopies(dir: string): Promise<Array<Uint8Array | undefined>> {
  return Promise.all(
    HEADER_FILES.map(async (name) => {
      try {
        return new Uint8Array(await readFile(join(dir, name)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw ioError('read header', error);
      }
    }),
  );
}

/** Writes `header` to both copies, one after the other, each made durable before the next. */
export async function writeHeaderCopies(dir: string, header: Uint8Array): Promise<void> {
  let created = false;
  for (const name of HEADER_FILES) {
    const path = join(dir, name);
    let handle;
    try {
      try {
        // O_EXCL first, to learn whether this write creates the file (then the directory needs an fsync).
        handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
        created = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // Not 'a+': O_APPEND would ignore the write position. 0600: the owner only.
        handle = await open(path, constants.O_RDWR, 0o600);
      }
      const { bytesWritten } = await handle.write(header, 0, header.length, 0);
      if (bytesWritten !== header.length) throw new Error(`short write: ${bytesWritten} of ${header.length} bytes`);
      await handle.truncate(header.length);
      await handle.sync();
      await handle.close();
      handle = undefined;
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw ioError('write header', error);
    }
  }
  if (created) await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    throw ioError('sync directory', error);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Maps a system error to the package's typed I/O errors. */
export function ioError(operation: string, error: unknown): IOError | StorageFullError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFullError(operation, error);
  return new IOError(operation, error);
}
