/**
 * This engine as a benchmark target: on disk (`Store.create` / `Store.open`)
 * and in memory (`Store.memory()`, same encryption path, memory-level below).
 * Stores use the library defaults (16 MiB memtable, 64 MiB block cache) and
 * the KDF floor, so create and reopen do not time a full Argon2id.
 */
import { KDF_FLOOR, Store } from '../../src/index.ts';
import type { Entry, KvStore, OpenOptions, Target, TargetFactory, WriteStats } from './target.ts';

const PASSPHRASE = 'synapsed bench passphrase';

function wrap(store: Store): KvStore {
  let closedStats: WriteStats | undefined;
  return {
    put: (key, value) => store.put(key, value),
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    batch: (entries: readonly Entry[]) => store.batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value }))),
    async scan(gte, limit, visit) {
      let n = 0;
      for await (const [key, value] of store.scan({ gte, limit })) {
        visit(key, value);
        n++;
      }
      return n;
    },
    flush: () => store.flush(),
    async close() {
      await store.close();
      const { walBytes, bytesFlushed, bytesMerged } = store.stats();
      closedStats = { walBytes, bytesFlushed, bytesMerged };
    },
    writeStats: () => closedStats,
  };
}

const disk: Target = {
  name: 'synapsed',
  persistent: true,
  async create(dir: string, { durability }: OpenOptions) {
    const { store } = await Store.create(dir, { passphrase: PASSPHRASE, kdf: KDF_FLOOR, durability });
    return wrap(store);
  },
  async reopen(dir: string, { durability }: OpenOptions) {
    return wrap(await Store.open(dir, { passphrase: PASSPHRASE, durability }));
  },
};

const memory: Target = {
  name: 'synapsed-mem',
  persistent: false,
  async create(_dir: string, { durability }: OpenOptions) {
    return wrap(await Store.memory({ durability }));
  },
  reopen(): Promise<KvStore> {
    return Promise.reject(new Error('memory stores cannot be reopened'));
  },
};

export const synapsedDisk: TargetFactory = { id: 'synapsed', load: () => Promise.resolve(disk) };
export const synapsedMemory: TargetFactory = { id: 'synapsed-mem', load: () => Promise.resolve(memory) };
