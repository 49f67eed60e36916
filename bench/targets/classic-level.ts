/**
 * Raw classic-level: the LevelDB this engine sits on, with no encryption
 * and library defaults (Snappy on, 8 MiB cache, 4 MiB write buffer). Every
 * ratio in the result table is against this target: the floor.
 * Reads use the async `get` (a thread-pool hop each), as most callers do.
 */
import { ClassicLevel } from 'classic-level';
import type { Entry, KvStore, OpenOptions, Target, TargetFactory } from './target.ts';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

async function open(dir: string, { durability }: OpenOptions, create: boolean): Promise<KvStore> {
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open({ createIfMissing: create, errorIfExists: create });
  const sync = durability === 'sync';
  return {
    put: (key, value) => db.put(key, value, { sync }),
    get: (key) => db.get(key),
    getMany: (keys) => db.getMany(keys as Uint8Array[]),
    batch: (entries: readonly Entry[]) => db.batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value })), { sync }),
    async scan(gte, limit, visit) {
      let n = 0;
      for await (const [key, value] of db.iterator({ gte, limit })) {
        visit(key, value);
        n++;
      }
      return n;
    },
    close: () => db.close(),
  };
}

const target: Target = {
  name: 'classic-level',
  persistent: true,
  create: (dir, options) => open(dir, options, true),
  reopen: (dir, options) => open(dir, options, false),
};

export const classicLevel: TargetFactory = { id: 'classic-level', load: () => Promise.resolve(target) };
