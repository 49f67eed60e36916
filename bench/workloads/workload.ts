/**
 * What a workload is (STYLE.md §12: `{ name, defaults, setup, run, verify }`)
 * and the helpers they share.
 *
 * The harness (bench/run.ts) calls, for each of the runs:
 *   state = setup(ctx)      untimed: a fresh store, or the loaded one
 *   ops   = run(state)      timed; returns the operations completed
 *   verify(state)           untimed; throws if any result was wrong,
 *                           and only then does the run's time count
 *   extra = teardown(state) untimed; closes, reports figures (write amp)
 * Runs check cheap invariants inline (lengths, key order) and fold what
 * they read into an order-independent checksum that `verify` recomputes
 * from the data set, so every read is checked without storing results.
 */
import type { Dataset } from './dataset.ts';
import type { Durability, KvStore, Target } from '../targets/target.ts';

/** Sizes of one benchmark mode (bench/run.ts: --quick, --full). */
export interface BenchConfig {
  readonly n: number;
  /** Writes per run of 'put x1 sync' (capped at n). */
  readonly syncOps: number;
  /** Writes per run of 'put x64 sync' (capped at n). */
  readonly concurrentSyncOps: number;
  /** Gets per run of each get workload. */
  readonly reads: number;
  /** Scans per run of 'scan 1000'. */
  readonly scans: number;
  /** A run issues no new operation after this long (sync workloads). */
  readonly syncBudgetMs: number;
  /** The same for every other workload. */
  readonly budgetMs: number;
  /** Records read back in full after a write workload. */
  readonly verifySample: number;
}

/** The store of n records shared by the read workloads, loaded once per target. */
export interface LoadedStore {
  readonly store: KvStore;
  /** Records per second of the load (batches of 1,000, relaxed). */
  readonly loadRate: number;
  /** After load and close; undefined for memory stores. */
  readonly bytesOnDisk: number | undefined;
  readonly reopenMs: number | undefined;
  /** Reopening an empty store: key derivation and fixed costs. */
  readonly reopenEmptyMs: number | undefined;
  /** Write amplification of the load, for engines that report it. */
  readonly writeAmp: number | undefined;
}

export interface Context {
  readonly target: Target;
  readonly data: Dataset;
  readonly config: BenchConfig;
  /** Which of the runs this is (seeds the random choices, so runs differ). */
  readonly run: number;
  /** A path for a new store, unique in this process (not created). */
  freshDir(label: string): string;
  /** The loaded store for read workloads (loads it on first call). */
  loaded(): Promise<LoadedStore>;
}

/** Figures a workload reports besides its rate, by name (median over runs). */
export type Extras = Readonly<Record<string, number>>;

export interface Workload<S = unknown> {
  /** Row label in the result table. */
  readonly name: string;
  /** What one counted operation is (records, scans). */
  readonly unit: string;
  readonly defaults: { readonly durability: Durability; readonly inFlight: number; readonly reads: boolean };
  setup(ctx: Context): Promise<S>;
  run(state: S): Promise<number>;
  verify(state: S): Promise<void>;
  teardown(state: S): Promise<Extras>;
}

/** The workload type with its state hidden, for lists. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- state types differ per workload
export type AnyWorkload = Workload<any>;

/**
 * Runs `op(0)`, `op(1)`, ... with at most `width` in flight, until `count`
 * are done or `budgetMs` has passed (no new operation starts after it).
 * @returns how many completed.
 */
export async function drive(count: number, width: number, budgetMs: number, op: (i: number) => Promise<void>): Promise<number> {
  const deadline = performance.now() + budgetMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return next;
}

/** The first four bytes of `bytes` as a u32, big-endian. */
export function word(bytes: Uint8Array): number {
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}

/**
 * A 32-bit digest of `value` from five 4-byte words spread over it (at 0,
 * 1/4, 1/2, 3/4 and the end): a wrong, shifted or truncated value changes
 * it, and it costs about as little as the read of one word, so hashing
 * every byte (about 0.2 µs per value, 13% of a scan) does not skew rates.
 * Full byte-for-byte checks run on a sample in `verify`.
 */
export function digest(value: Uint8Array): number {
  const step = (value.length - 4) >> 2;
  let h = value.length;
  for (let i = 0; i < 5; i++) {
    const at = i * step;
    const w = ((value[at] ?? 0) << 24) | ((value[at + 1] ?? 0) << 16) | ((value[at + 2] ?? 0) << 8) | (value[at + 3] ?? 0);
    h = Math.imul(h ^ w, 0x01000193) ^ (h >>> 15);
  }
  return h >>> 0;
}

/** Adds what record `index` returned to an order-independent checksum. */
export function fold(sum: number, index: number, value: Uint8Array): number {
  return (sum + (digest(value) ^ Math.imul(index + 1, 0x9e3779b1))) >>> 0;
}

/** Bytes the engine wrote (WAL, flushes, merges) per byte committed (keys plus values). */
export function writeAmp(stats: { walBytes: number; bytesFlushed: number; bytesMerged: number } | undefined, committedBytes: number): number | undefined {
  if (stats === undefined || committedBytes === 0) return undefined;
  return (stats.walBytes + stats.bytesFlushed + stats.bytesMerged) / committedBytes;
}

/** Throws with a message naming the workload and what went wrong. */
export function check(condition: boolean, workload: string, message: string): asserts condition {
  if (!condition) throw new Error(`${workload}: ${message}`);
}
