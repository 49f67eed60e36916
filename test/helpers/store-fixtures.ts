/**
 * Shared fixtures for the security and crash tests: temporary store
 * directories, a seeded PRNG (every randomized test prints its seed), raw
 * access to the LevelDB folder below a closed store, a recursive file walk,
 * and the outcome classifier the tamper tests count with.
 *
 * Raw LevelDB access lives here, in the tests, on purpose: the tests play
 * an attacker who edits the files of a closed store, so they go around the
 * engine. `src/` itself still touches classic-level only in backend.ts.
 */
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { FormatVersionError, IntegrityError, KDF_FLOOR, Store, SynapsedError, type StoreOptions } from '../../src/index.ts';

export const PASSPHRASE = 'correct horse battery staple';

/** The minimal test context `tempDir` needs (node:test's `t`). */
export interface AfterContext {
  after(fn: () => Promise<void> | void): void;
}

/** A fresh directory under the OS temp dir, removed when the test ends. */
export async function tempDir(t: AfterContext, prefix = 'synapsed-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Creates a store at the KDF floor; returns the recovery code revealed (fast unlock for reopen loops). */
export async function createStore(dir: string, options: StoreOptions = {}, passphrase = PASSPHRASE): Promise<{ store: Store; recoveryCode: string }> {
  const { store, recoveryCode } = await Store.create(dir, { passphrase, kdf: KDF_FLOOR, ...options });
  return { store, recoveryCode: recoveryCode.reveal() };
}

// ----------------------------------------------------------------- random

/** A small seeded PRNG (mulberry32): same seed, same run. */
export class Rng {
  #state: number;
  readonly seed: number;
  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed from `env[name]` (decimal), or a fresh one; the caller prints it. */
export function seedFrom(name: string): number {
  const given = process.env[name];
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${given}`);
    return n >>> 0;
  }
  return (Math.random() * 2 ** 32) >>> 0;
}

/** A positive integer from `env[name]`, or `fallback`. */
export function countFrom(name: string, fallback: number): number {
  const given = process.env[name];
  if (given === undefined || given === '') return fallback;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${given}`);
  return n;
}

// ------------------------------------------------------------------ files

/** Every regular file under `dir`, recursively, as absolute paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

// ------------------------------------------------------------ raw LevelDB

/** One raw LevelDB entry below a store: a structural key and a sealed record. */
export type RawEntry = [key: Uint8Array, value: Uint8Array];

/** The LevelDB folder of a store directory. */
export function dbDir(storeDir: string): string {
  return join(storeDir, 'db');
}

/** Opens the LevelDB folder of a closed store directly, runs `fn`, closes it. */
export async function withRawDb<T>(storeDir: string, fn: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<T>): Promise<T> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dbDir(storeDir), { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false });
  await db.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * Every raw entry of a closed store, in key order, as fresh copies. Reads a
 * copy of the directory: opening LevelDB rewrites its files (log recovery),
 * and the caller's directory must stay as the store left it.
 */
export async function readRaw(storeDir: string): Promise<RawEntry[]> {
  const copy = await mkdtemp(join(tmpdir(), 'synapsed-raw-'));
  try {
    await cp(storeDir, copy, { recursive: true });
    return await withRawDb(copy, async (db) => {
      const out: RawEntry[] = [];
      // new Uint8Array(x) copies; Buffer#slice (what LevelDB hands back) would not.
      for await (const [key, value] of db.iterator()) out.push([new Uint8Array(key), new Uint8Array(value)]);
      return out;
    });
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

/** Applies puts (value) and deletes (null) to the raw LevelDB of a closed store. */
export async function writeRaw(storeDir: string, changes: ReadonlyArray<readonly [Uint8Array, Uint8Array | null]>): Promise<void> {
  await withRawDb(storeDir, async (db) => {
    await db.batch(changes.map(([key, value]) => (value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value })), { sync: true } as object);
  });
}

/** The record-kind letter of a structural key (engine/keys.ts): M, W, I, B or V. */
export function kindOf(key: Uint8Array): string {
  return String.fromCharCode(key[0] ?? 0);
}

// --------------------------------------------------------------- outcomes

/** Thrown by `withTimeout` when an operation does not settle in time. */
export class HangError extends Error {}

/** Rejects with `HangError` if `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what} did not settle in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How an operation on a damaged store ended. */
export type Outcome = 'right' | 'integrity' | 'format-version' | 'other-typed' | 'untyped' | 'wrong' | 'hang';

/** Classifies a thrown error: typed errors by class, anything else is untyped. */
export function classifyError(error: unknown): Outcome {
  if (error instanceof HangError) return 'hang';
  if (error instanceof IntegrityError && error.code === 'SYN_INTEGRITY') return 'integrity';
  if (error instanceof FormatVersionError && error.code === 'SYN_FORMAT_VERSION') return 'format-version';
  if (error instanceof SynapsedError && typeof error.code === 'string' && error.code.startsWith('SYN_')) return 'other-typed';
  return 'untyped';
}

/** Counts of outcomes, printable. */
export class Tally {
  readonly counts = new Map<string, number>();
  /** Details of the first few bad outcomes, for the assertion message. */
  readonly examples: string[] = [];
  add(outcome: string, detail?: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
    if (detail !== undefined && this.examples.length < 10) this.examples.push(`${outcome}: ${detail}`);
  }
  get(outcome: string): number {
    return this.counts.get(outcome) ?? 0;
  }
  toString(): string {
    return [...this.counts.entries()].sort().map(([k, v]) => `${k}=${v}`).join(' ');
  }
}

/** A byte pattern searched for in store files, with a label for failures. */
export interface Needle {
  readonly label: string;
  readonly bytes: Buffer;
}

/** A random marker as raw bytes, lowercase hex and uppercase hex: what a leak would look like. */
export function markerNeedles(marker: Buffer, label: string): Needle[] {
  return [
    { label: `${label} raw`, bytes: marker },
    { label: `${label} hex`, bytes: Buffer.from(marker.toString('hex')) },
    { label: `${label} HEX`, bytes: Buffer.from(marker.toString('hex').toUpperCase()) },
  ];
}

/** Every (needle, file) pair where the needle occurs in a file under `dir`. */
export async function findNeedles(dir: string, needles: readonly Needle[]): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await listFiles(dir)) {
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (error) {
      // LevelDB deletes obsolete files while the store is open: a file gone is no leak.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const needle of needles) if (content.includes(needle.bytes)) hits.push(`${needle.label} in ${relative(dir, file)}`);
  }
  return hits;
}
