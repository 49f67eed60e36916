/**
 * Store factories for tests: memory, disk, and variants that force early
 * flushes, tiny blocks and cache eviction, so the suites exercise runs,
 * merges, large values and block reads, not only the memtable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KDF_FLOOR, Store, type StoreOptions } from '../../src/index.ts';

export const TEST_PASSPHRASE = 'test passphrase';

/** Squeezes every size so a few hundred records span many runs, blocks and large values. */
export const TINY: StoreOptions = { memtableBytes: 4096, blockBytes: 256, largeValueBytes: 64, cacheBytes: 0 };

/** A store under test, and how to reopen it (disk only) and clean up. */
export interface StoreHandle {
  store: Store;
  /** Closes and reopens (recovery code: no Argon2id per reopen). Undefined for memory stores. */
  reopen: (() => Promise<Store>) | undefined;
  /** The store directory, for disk stores. */
  dir: string | undefined;
  cleanup: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreHandle>;

export function memoryFactory(options: StoreOptions = {}): StoreFactory {
  return async () => {
    const store = await Store.memory(options);
    return { store, reopen: undefined, dir: undefined, cleanup: () => store.close() };
  };
}

export function diskFactory(options: StoreOptions = {}): StoreFactory {
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'synapsed-test-'));
    const created = await Store.create(dir, { passphrase: TEST_PASSPHRASE, kdf: KDF_FLOOR, ...options });
    const code = created.recoveryCode.reveal();
    const handle: StoreHandle = {
      store: created.store,
      dir,
      reopen: async () => {
        await handle.store.close();
        handle.store = await Store.open(dir, { recoveryCode: code, ...options });
        return handle.store;
      },
      cleanup: async () => {
        await handle.store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return handle;
  };
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array | undefined): string | undefined => (data === undefined ? undefined : new TextDecoder().decode(data));

/** Collects a scan into [key, value] strings. */
export async function collect(iterable: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [k, v] of iterable) out.push([text(k) as string, text(v) as string]);
  return out;
}
