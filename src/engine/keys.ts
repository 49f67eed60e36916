/**
 * Structural LevelDB keys. They name engine records by number only, so the
 * LevelDB files reveal how many records of each kind exist but nothing of
 * the user's keys, their order or their prefixes.
 *
 * | key                          | record                                |
 * |------------------------------|---------------------------------------|
 * | `M`                          | manifest (runs, snapshots, sequence)  |
 * | `W` seq u64                  | WAL record: one committed transaction |
 * | `I` run u32                  | run index: block bounds, bloom filter |
 * | `B` run u32 block u32        | block of sorted entries               |
 * | `V` run u32 n u32            | value too large for a block           |
 */
import { writeSafeU64, writeU32 } from '../util/bytes.ts';
import type { BackendRange } from './backend.ts';

export const PREFIX = { MANIFEST: 0x4d, WAL: 0x57, INDEX: 0x49, BLOCK: 0x42, LARGE: 0x56 } as const;

export const MANIFEST_KEY: Uint8Array = new Uint8Array([PREFIX.MANIFEST]);

export function walKey(seq: number): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = PREFIX.WAL;
  writeSafeU64(key, 1, seq);
  return key;
}

/** WAL records with sequence in [from, to). */
export function walRange(from: number, to: number): BackendRange {
  return { gte: walKey(from), lt: walKey(to) };
}

/** `prefix · run u32 [· n u32]`: the key of a run's record. */
function runKey(prefix: number, run: number, n?: number): Uint8Array {
  const key = new Uint8Array(n === undefined ? 5 : 9);
  key[0] = prefix;
  writeU32(key, 1, run);
  if (n !== undefined) writeU32(key, 5, n);
  return key;
}

export function indexKey(run: number): Uint8Array {
  return runKey(PREFIX.INDEX, run);
}

export function blockKey(run: number, block: number): Uint8Array {
  return runKey(PREFIX.BLOCK, run, block);
}

export function largeValueKey(run: number, n: number): Uint8Array {
  return runKey(PREFIX.LARGE, run, n);
}

/** Every record (index, blocks, large values) of runs in [from, to), one range per prefix. */
export function runRanges(from: number, to: number): BackendRange[] {
  return [PREFIX.INDEX, PREFIX.BLOCK, PREFIX.LARGE].map((p) => ({ gte: runKey(p, from), lt: to > 0xffffffff ? new Uint8Array([p + 1]) : runKey(p, to) }));
}
