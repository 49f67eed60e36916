/**
 * Imports an existing plaintext LevelDB directory (classic-level, leveldown,
 * level: any LevelDB) into an encrypted store, streaming it in batches.
 * Keys and values are copied as raw bytes, whatever encoding the old
 * application used. The source is opened through engine/backend.ts (the
 * only module that touches LevelDB) and only read; docs/operations.md says
 * how to destroy it afterwards, and why deleting its files is not enough.
 *
 * ```ts
 * const { entries } = await importLevel(store, '/old/app/db', { onProgress: (p) => console.log(p.entries) })
 * ```
 */
import { InvalidArgumentError } from '../../errors.ts';
import { openPlaintextLevel } from '../backend.ts';
import { BatchWriter, checkImportOptions, mustTarget, type ImportOptions, type ImportResult } from './batch-writer.ts';
import type { Keyspace } from '../keyspace.ts';

/**
 * Copies every entry of the plaintext LevelDB at `sourceDir` into `target`.
 * Resolves once the last batch is durable.
 * @throws {StoreNotFoundError} `sourceDir` holds no LevelDB database.
 * @throws {StoreLockedError} another process has the source open (close the old application first).
 * @throws {ValueTooLargeError} an entry exceeds the store's limits (argument names its position).
 * @throws {AbortedError} the signal fired; the batches written so far stay.
 * @throws {UnlockRequiredError} the store was locked during the import.
 */
export async function importLevel(target: Keyspace, sourceDir: string, options?: ImportOptions): Promise<ImportResult> {
  const store = mustTarget(target);
  if (typeof sourceDir !== 'string' || sourceDir.length === 0) throw new InvalidArgumentError('sourceDir', 'a LevelDB directory path', sourceDir);
  const opts = checkImportOptions(options);
  const writer = new BatchWriter(store, opts);
  const source = await openPlaintextLevel(sourceDir);
  try {
    let n = 0;
    for await (const [key, value] of source.entries(opts.signal)) {
      await writer.add(key, value, key.length + value.length, `entry ${n++}`);
    }
    return await writer.finish();
  } finally {
    await source.close();
  }
}
