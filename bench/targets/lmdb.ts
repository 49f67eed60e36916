/**
 * lmdb-js with `encryptionKey` (ChaCha8 over LMDB's pages) from bench/peers.
 * Keys and values are raw bytes ('binary' encodings, no msgpack).
 * Durability: 'relaxed' opens with noSync (the OS has every commit);
 * 'sync' turns overlappingSync off, so a put resolves only after its
 * commit was fsynced (with it on, the promise resolves before the flush).
 * Concurrent puts in one event turn share a transaction (lmdb-js batching).
 * The key is a 32-character string: lmdb-js 3.5.6 aborts the process
 * (FATAL ERROR napi_throw in Env.open) when given a Buffer, although its
 * docs allow one.
 */
import { PEER_KEY, peerRequire, type Entry, type KvStore, type OpenOptions, type Target, type TargetFactory } from './target.ts';

/** The part of lmdb-js this target calls. */
interface LmdbDatabase {
  put(key: Buffer, value: Buffer): Promise<boolean>;
  putSync(key: Buffer, value: Buffer): boolean;
  get(key: Buffer): Buffer | undefined;
  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>>;
  transaction(action: () => void): Promise<unknown>;
  getRange(options: { start: Buffer; limit: number }): Iterable<{ key: Buffer; value: Buffer }>;
  close(): Promise<void>;
}
interface LmdbModule {
  open(options: Record<string, unknown>): LmdbDatabase;
}

/** 32 printable characters from PEER_KEY (one byte each in UTF-8). */
const ENCRYPTION_KEY = Array.from(PEER_KEY, (byte) => String.fromCharCode(0x21 + (byte % 94))).join('');
const buf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function open(lmdb: LmdbModule, dir: string, { durability }: OpenOptions): KvStore {
  const db = lmdb.open({
    path: dir,
    encryptionKey: ENCRYPTION_KEY,
    keyEncoding: 'binary',
    encoding: 'binary',
    ...(durability === 'sync' ? { overlappingSync: false } : { noSync: true }),
  });
  return {
    async put(key, value) {
      await db.put(buf(key), buf(value));
    },
    get: (key) => Promise.resolve(db.get(buf(key))),
    getMany: (keys) => db.getMany(keys.map(buf)),
    async batch(entries: readonly Entry[]) {
      await db.transaction(() => {
        for (const [key, value] of entries) db.putSync(buf(key), buf(value));
      });
    },
    scan(gte, limit, visit) {
      let n = 0;
      for (const { key, value } of db.getRange({ start: buf(gte), limit })) {
        visit(key, value);
        n++;
      }
      return Promise.resolve(n);
    },
    close: () => db.close(),
  };
}

export const lmdb: TargetFactory = {
  id: 'lmdb',
  load() {
    const module = peerRequire('lmdb') as LmdbModule;
    const target: Target = {
      name: 'lmdb-enc',
      persistent: true,
      create: (dir, options) => Promise.resolve(open(module, dir, options)),
      reopen: (dir, options) => Promise.resolve(open(module, dir, options)),
    };
    return Promise.resolve(target);
  },
};
