/**
 * SQLCipher-style SQLite through better-sqlite3-multiple-ciphers (from
 * bench/peers): `PRAGMA cipher='sqlcipher'` (legacy 4: AES-256-CBC pages
 * with HMAC-SHA512), a raw 32-byte key (so opening skips SQLCipher's
 * PBKDF2, as LMDB has no KDF either), one table
 * `kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID`, WAL journal mode,
 * synchronous NORMAL for 'relaxed' and FULL for 'sync'.
 * better-sqlite3 is synchronous: "concurrent" calls run one after another
 * on the main thread, and there is no group commit.
 */
import { mkdir } from 'node:fs/promises';
import { PEER_KEY, peerRequire, type Entry, type KvStore, type OpenOptions, type Target, type TargetFactory } from './target.ts';

/** The part of better-sqlite3 this target calls. */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  iterate(...params: unknown[]): Iterable<unknown>;
  pluck(): Statement;
  raw(): Statement;
}
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): Statement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
type SqliteConstructor = new (file: string, options?: { fileMustExist?: boolean }) => SqliteDatabase;

const FILE = 'store.db';
const buf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

async function open(Database: SqliteConstructor, dir: string, { durability }: OpenOptions, create: boolean): Promise<KvStore> {
  if (create) await mkdir(dir, { recursive: true });
  const db = new Database(`${dir}/${FILE}`, { fileMustExist: !create });
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`key = "x'${Buffer.from(PEER_KEY).toString('hex')}'"`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'sync' ? 'FULL' : 'NORMAL'}`);
  db.exec('CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID');
  const put = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
  const get = db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
  const range = db.prepare('SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?').raw();
  const putAll = db.transaction((entries: readonly Entry[]) => {
    for (const [key, value] of entries) put.run(buf(key), buf(value));
  });
  return {
    put(key, value) {
      put.run(buf(key), buf(value));
      return Promise.resolve();
    },
    get: (key) => Promise.resolve(get.get(buf(key)) as Buffer | undefined),
    getMany: (keys) => Promise.resolve(keys.map((key) => get.get(buf(key)) as Buffer | undefined)),
    batch(entries) {
      putAll(entries);
      return Promise.resolve();
    },
    scan(gte, limit, visit) {
      let n = 0;
      for (const row of range.iterate(buf(gte), limit)) {
        const [key, value] = row as [Buffer, Buffer];
        visit(key, value);
        n++;
      }
      return Promise.resolve(n);
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}

export const sqlcipher: TargetFactory = {
  id: 'sqlcipher',
  load() {
    const Database = peerRequire('better-sqlite3-multiple-ciphers') as SqliteConstructor;
    const target: Target = {
      name: 'sqlcipher',
      persistent: true,
      create: (dir, options) => open(Database, dir, options, true),
      reopen: (dir, options) => open(Database, dir, options, false),
    };
    return Promise.resolve(target);
  },
};
