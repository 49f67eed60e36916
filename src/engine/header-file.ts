/**
 * Persists the store header as two files, `HEADER-A` and `HEADER-B`.
 *
 * A write replaces A (write, truncate, fsync), then B the same way. At every
 * instant at least one file holds a complete header, old or new: a crash in
 * the middle of A leaves B with the old header; in the middle of B, A with
 * the new one. Readers (keyring/keyring.ts) take the newest intact copy, so
 * no rename, and no directory fsync after the first write, is needed.
 */
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IOError, StorageFullError } from '../errors.ts';

/** File names of the copies, in write order. */
export const HEADER_FILES = ['HEADER-A', 'HEADER-B'] as const;

/** Reads both copies; a missing or unreadable copy is undefined. */
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
  for (const name of HEADER_FILES) {
    let handle;
    try {
      // Not 'a+': O_APPEND would ignore the write position. 0600: the owner only.
      handle = await open(join(dir, name), constants.O_RDWR | constants.O_CREAT, 0o600);
      await handle.write(header, 0, header.length, 0);
      await handle.truncate(header.length);
      await handle.sync();
    } catch (error) {
      throw ioError('write header', error);
    } finally {
      await handle?.close();
    }
  }
}

/** Maps a system error to the package's typed I/O errors. */
export function ioError(operation: string, error: unknown): IOError | StorageFullError {
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return new StorageFullError(operation, error);
  return new IOError(operation, error);
}
