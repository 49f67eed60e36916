/**
 * The interface every benchmark target implements, so each workload runs
 * unchanged against this engine and its peers (STYLE.md §12: workloads
 * take a factory).
 *
 * Durability is chosen when a store is opened, because two peers fix it
 * per handle (LMDB's noSync, SQLite's PRAGMA synchronous):
 *   'relaxed'  survives a process crash (the OS has the data);
 *   'sync'     survives a power cut: each acknowledged write was fsynced.
 * Peers live in bench/peers/node_modules and are loaded with `peerRequire`,
 * typed by the few methods we call; a missing peer makes `load` throw and
 * the harness skip the target with a note.
 */
import { createRequire } from 'node:module';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type Durability = 'relaxed' | 'sync';
export type Entry = readonly [Uint8Array, Uint8Array];

export interface OpenOptions {
  readonly durability: Durability;
}

/** Engine counters for write amplification (this engine only). */
export interface WriteStats {
  readonly walBytes: number;
  readonly bytesFlushed: number;
  readonly bytesMerged: number;
}

/** One open store of a target. Keys and values are never mutated by callers after the call. */
export interface KvStore {
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  getMany?(keys: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
  /** Puts all entries atomically. */
  batch(entries: readonly Entry[]): Promise<void>;
  /** Visits up to `limit` entries from `gte` in key order; resolves with the count. */
  scan(gte: Uint8Array, limit: number, visit: (key: Uint8Array, value: Uint8Array) => void): Promise<number>;
  /** Moves buffered writes into the on-disk structure (an LSM flush), if the engine has one. */
  flush?(): Promise<void>;
  close(): Promise<void>;
  /** Counters read after close, for write amplification. */
  writeStats?(): WriteStats | undefined;
}

export interface Target {
  /** Column label in the result table. */
  readonly name: string;
  /** False for memory stores: no reopen, no bytes on disk. */
  readonly persistent: boolean;
  /** Creates an empty store in `dir` (which does not exist yet). */
  create(dir: string, options: OpenOptions): Promise<KvStore>;
  /** Opens the store a previous `create` left in `dir`. */
  reopen(dir: string, options: OpenOptions): Promise<KvStore>;
}

/** What the registry holds: loading may fail when a peer is not installed. */
export interface TargetFactory {
  readonly id: string;
  readonly load: () => Promise<Target>;
}

const PEERS_PACKAGE = new URL('../peers/package.json', import.meta.url);

/**
 * Loads a CommonJS module installed in bench/peers (not in the root
 * node_modules, so the root `npm ci` never builds it).
 * @throws Error naming the install command when the peer is missing.
 */
export function peerRequire(name: string): unknown {
  const require = createRequire(PEERS_PACKAGE);
  try {
    return require(name);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`${name} not loadable (${reason}); install the peers: cd bench/peers && npm ci --build-from-source`, { cause: error });
  }
}

/** Allocated bytes (st_blocks * 512) of every file under `dir`. */
export async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesOnDisk(path);
    else if (entry.isFile()) total += (await stat(path)).blocks * 512;
  }
  return total;
}

/** A fixed 32-byte key for the peers that take a raw key (LMDB, SQLCipher). */
export const PEER_KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
