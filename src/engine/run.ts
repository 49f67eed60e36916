/**
 * Run: an immutable sorted file of encrypted blocks (one LSM "sorted run"),
 * written by a flush of the memtable or a merge of older runs.
 *
 * Records (engine/keys.ts), each sealed (engine/record.ts) with the
 * location bound into its AAD:
 *
 * | record        | key            | AAD location        | plaintext            |
 * |---------------|----------------|---------------------|----------------------|
 * | index         | `I` run        | run u32             | layout below         |
 * | block         | `B` run block  | run u32, block u32  | engine/block.ts      |
 * | large value   | `V` run n      | run u32, n u32      | the value            |
 *
 * Index plaintext: run u32 | tier varint | manifest generation varint (the
 * manifest that first lists the run) | block count varint | per block:
 * first key chunk, last key chunk | entry count varint | large count varint
 * | plaintext bytes varint | bloom filter chunk.
 *
 * Run ids are never reused while any record of the run may exist, so a
 * block cannot be replayed into a later run with the same id. Reads use
 * the backend's synchronous get: a block already in the OS cache costs a
 * few microseconds and no thread-pool hop.
 */
import { IntegrityError } from '../errors.ts';
import { KIND } from '../format.ts';
import { compareBytes, u32Bytes } from '../util/bytes.ts';
import type { Backend, BackendOp } from './backend.ts';
import { BlockCache } from './block-cache.ts';
import { BlockEncoder, LargeRef, decodeBlock, type Block, type StoredValue } from './block.ts';
import { BloomBuilder, bloomMayContain } from './bloom.ts';
import { DecodeError, Reader, Writer } from './codec.ts';
import { blockKey, indexKey, largeValueKey } from './keys.ts';
import type { RecordCipher } from './record.ts';

/** What runs need from the engine. */
export interface RunContext {
  readonly backend: Backend;
  readonly cipher: RecordCipher;
  readonly cache: BlockCache;
}

/** AAD location of a block or large value: run u32 then number u32. */
export function pairLocation(a: number, b: number): Uint8Array {
  const out = new Uint8Array(8);
  out.set(u32Bytes(a), 0);
  out.set(u32Bytes(b), 4);
  return out;
}

/** A readable run, its index held decrypted in memory. */
export class Run {
  readonly id: number;
  readonly tier: number;
  /** Generation of the manifest that first listed this run. */
  readonly gen: number;
  readonly entries: number;
  readonly largeCount: number;
  readonly bytes: number;
  readonly firstKeys: Uint8Array[];
  readonly lastKeys: Uint8Array[];
  readonly bloom: Uint8Array;
  /** Views and merges currently reading this run. */
  refs = 0;
  /** Dropped from the live set: delete its records once `refs` reaches 0. */
  retired = false;

  constructor(fields: {
    id: number; tier: number; gen: number; entries: number; largeCount: number; bytes: number;
    firstKeys: Uint8Array[]; lastKeys: Uint8Array[]; bloom: Uint8Array;
  }) {
    this.id = fields.id;
    this.tier = fields.tier;
    this.gen = fields.gen;
    this.entries = fields.entries;
    this.largeCount = fields.largeCount;
    this.bytes = fields.bytes;
    this.firstKeys = fields.firstKeys;
    this.lastKeys = fields.lastKeys;
    this.bloom = fields.bloom;
  }

  get blockCount(): number {
    return this.firstKeys.length;
  }

  /** Loads and checks a run's index. @throws {IntegrityError} where 'page'. */
  static async load(ctx: RunContext, id: number): Promise<Run> {
    const sealed = await ctx.backend.get(indexKey(id));
    if (sealed === undefined) throw new IntegrityError('page', `run ${id} index`, 'missing');
    const plain = ctx.cipher.open(KIND.RUN_INDEX, u32Bytes(id), sealed, 'page', `run ${id} index`);
    try {
      const r = new Reader(plain);
      if (r.u32() !== id) throw new DecodeError('run id mismatch');
      const tier = r.varint();
      const gen = r.varint();
      const count = r.varint();
      const firstKeys: Uint8Array[] = [];
      const lastKeys: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        firstKeys.push(r.chunk().slice());
        lastKeys.push(r.chunk().slice());
      }
      const entries = r.varint();
      const largeCount = r.varint();
      const bytes = r.varint();
      const bloom = r.chunk().slice();
      if (!r.done) throw new DecodeError('trailing bytes');
      return new Run({ id, tier, gen, entries, largeCount, bytes, firstKeys, lastKeys, bloom });
    } catch (error) {
      if (error instanceof DecodeError) throw new IntegrityError('page', `run ${id} index`, error.message);
      throw error;
    }
  }

  /** The decoded block `b`, from the cache or the backend. */
  /** The decoded block `b`; `fresh` bypasses the cache (verification reads what is on disk). */
  block(ctx: RunContext, b: number, fresh = false): Block {
    const cacheId = BlockCache.id(this.id, b);
    const cached = fresh ? undefined : ctx.cache.get(cacheId);
    if (cached !== undefined) return cached;
    const where = `run ${this.id} block ${b}`;
    const sealed = ctx.backend.getSync(blockKey(this.id, b));
    if (sealed === undefined) throw new IntegrityError('page', where, 'missing');
    const plain = ctx.cipher.open(KIND.PAGE, pairLocation(this.id, b), sealed, 'page', where);
    let block: Block;
    try {
      block = decodeBlock(plain);
    } catch (error) {
      if (error instanceof DecodeError) throw new IntegrityError('page', where, error.message);
      throw error;
    }
    // A block whose bounds disagree with the index was swapped or damaged.
    const n = block.keys.length;
    if (n === 0 || compareBytes(block.keys[0] as Uint8Array, this.firstKeys[b] as Uint8Array) !== 0 || compareBytes(block.keys[n - 1] as Uint8Array, this.lastKeys[b] as Uint8Array) !== 0) {
      throw new IntegrityError('page', where, 'bounds do not match the index');
    }
    if (!fresh) ctx.cache.set(cacheId, block);
    return block;
  }

  /** The stored value for `key`, or undefined if this run does not hold it. */
  get(ctx: RunContext, key: Uint8Array): StoredValue | undefined {
    if (!bloomMayContain(this.bloom, key)) return undefined;
    const b = this.#firstBlockEndingAtOrAfter(key);
    if (b >= this.blockCount || compareBytes(this.firstKeys[b] as Uint8Array, key) > 0) return undefined;
    const block = this.block(ctx, b);
    const i = lowerBound(block.keys, key);
    if (i < block.keys.length && compareBytes(block.keys[i] as Uint8Array, key) === 0) return block.values[i];
    return undefined;
  }

  /** Reads a large value. @throws {IntegrityError} where 'page'. */
  large(ctx: RunContext, ref: LargeRef): Uint8Array {
    const where = `run ${this.id} large value ${ref.n}`;
    const sealed = ctx.backend.getSync(largeValueKey(this.id, ref.n));
    if (sealed === undefined) throw new IntegrityError('page', where, 'missing');
    return ctx.cipher.open(KIND.LARGE_VALUE, pairLocation(this.id, ref.n), sealed, 'page', where);
  }

  /** Entries in range (tombstones and large refs included), ascending or descending. */
  *range(ctx: RunContext, low: Uint8Array | undefined, lowInclusive: boolean, high: Uint8Array | undefined, highInclusive: boolean, reverse: boolean): Generator<[Uint8Array, StoredValue]> {
    const count = this.blockCount;
    if (count === 0) return;
    if (!reverse) {
      let b = low === undefined ? 0 : this.#firstBlockEndingAtOrAfter(low);
      let i = -1;
      for (; b < count; b++) {
        const block = this.block(ctx, b);
        i = i === -1 && low !== undefined ? (lowInclusive ? lowerBound(block.keys, low) : upperBound(block.keys, low)) : 0;
        for (; i < block.keys.length; i++) {
          const key = block.keys[i] as Uint8Array;
          if (high !== undefined) {
            const c = compareBytes(key, high);
            if (c > 0 || (c === 0 && !highInclusive)) return;
          }
          yield [key, block.values[i] as StoredValue];
        }
      }
    } else {
      let b = high === undefined ? count - 1 : this.#lastBlockStartingAtOrBefore(high);
      let first = true;
      for (; b >= 0; b--) {
        const block = this.block(ctx, b);
        let i = block.keys.length - 1;
        if (first && high !== undefined) i = (highInclusive ? upperBound(block.keys, high) : lowerBound(block.keys, high)) - 1;
        first = false;
        for (; i >= 0; i--) {
          const key = block.keys[i] as Uint8Array;
          if (low !== undefined) {
            const c = compareBytes(key, low);
            if (c < 0 || (c === 0 && !lowInclusive)) return;
          }
          yield [key, block.values[i] as StoredValue];
        }
      }
    }
  }

  #firstBlockEndingAtOrAfter(key: Uint8Array): number {
    return lowerBound(this.lastKeys, key);
  }

  #lastBlockStartingAtOrBefore(key: Uint8Array): number {
    return upperBound(this.firstKeys, key) - 1;
  }
}

/** First index whose key is >= `key`. */
export function lowerBound(keys: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(keys[mid] as Uint8Array, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > `key`. */
export function upperBound(keys: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(keys[mid] as Uint8Array, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Options that shape a run's records. */
export interface RunShape {
  /** Target plaintext bytes per block. */
  readonly blockBytes: number;
  /** Values longer than this get their own record. */
  readonly largeValueBytes: number;
}

/**
 * Writes a run from ascending entries. Sealed records accumulate in `ops`;
 * long writers call `takeOps()` to write them in several batches (the run
 * is invisible until the manifest names it).
 */
export class RunWriter {
  readonly #ctx: RunContext;
  readonly #shape: RunShape;
  readonly id: number;
  readonly tier: number;
  readonly gen: number;
  readonly #encoder = new BlockEncoder();
  readonly #bloom: BloomBuilder;
  readonly #firstKeys: Uint8Array[] = [];
  readonly #lastKeys: Uint8Array[] = [];
  #blockFirst: Uint8Array | undefined;
  #blockLast: Uint8Array | undefined;
  #entries = 0;
  #large = 0;
  #bytes = 0;
  #ops: BackendOp[] = [];
  #opsBytes = 0;

  /** `gen`: the generation of the manifest that will first list this run. */
  constructor(ctx: RunContext, id: number, tier: number, gen: number, expectedEntries: number, shape: RunShape) {
    this.#ctx = ctx;
    this.id = id;
    this.tier = tier;
    this.gen = gen;
    this.#shape = shape;
    this.#bloom = new BloomBuilder(expectedEntries);
  }

  /** Bytes of sealed records waiting in `ops`. */
  get pendingBytes(): number {
    return this.#opsBytes;
  }
  get entries(): number {
    return this.#entries;
  }

  /** Adds the next entry; keys must ascend strictly. `value` null is a tombstone. */
  add(key: Uint8Array, value: Uint8Array | null): void {
    let stored: StoredValue = value;
    if (value !== null && value.length > this.#shape.largeValueBytes) {
      const n = this.#large++;
      this.#put(largeValueKey(this.id, n), this.#ctx.cipher.seal(KIND.LARGE_VALUE, pairLocation(this.id, n), value));
      this.#bytes += value.length;
      stored = new LargeRef(n);
    }
    if (this.#blockFirst === undefined) this.#blockFirst = key;
    this.#blockLast = key;
    this.#encoder.add(key, stored);
    this.#bloom.add(key);
    this.#entries++;
    if (this.#encoder.size >= this.#shape.blockBytes) this.#sealBlock();
  }

  #sealBlock(): void {
    if (this.#encoder.count === 0) return;
    const b = this.#firstKeys.length;
    const plain = this.#encoder.finish();
    this.#bytes += plain.length;
    this.#put(blockKey(this.id, b), this.#ctx.cipher.seal(KIND.PAGE, pairLocation(this.id, b), plain));
    this.#firstKeys.push((this.#blockFirst as Uint8Array).slice());
    this.#lastKeys.push((this.#blockLast as Uint8Array).slice());
    this.#blockFirst = undefined;
    this.#blockLast = undefined;
  }

  #put(key: Uint8Array, value: Uint8Array): void {
    this.#ops.push({ type: 'put', key, value });
    this.#opsBytes += value.length;
  }

  /** Sealed records so far (and forgets them). */
  takeOps(): BackendOp[] {
    const ops = this.#ops;
    this.#ops = [];
    this.#opsBytes = 0;
    return ops;
  }

  /** Seals the last block and the index; returns the remaining ops and the readable run. */
  finish(): { ops: BackendOp[]; run: Run } {
    this.#sealBlock();
    const bloom = this.#bloom.finish();
    const w = new Writer(256 + this.#firstKeys.length * 64 + bloom.length);
    w.u32(this.id);
    w.varint(this.tier);
    w.varint(this.gen);
    w.varint(this.#firstKeys.length);
    for (let b = 0; b < this.#firstKeys.length; b++) {
      w.chunk(this.#firstKeys[b] as Uint8Array);
      w.chunk(this.#lastKeys[b] as Uint8Array);
    }
    w.varint(this.#entries);
    w.varint(this.#large);
    w.varint(this.#bytes);
    w.chunk(bloom);
    this.#put(indexKey(this.id), this.#ctx.cipher.seal(KIND.RUN_INDEX, u32Bytes(this.id), w.finish()));
    const run = new Run({
      id: this.id, tier: this.tier, gen: this.gen, entries: this.#entries, largeCount: this.#large, bytes: this.#bytes,
      firstKeys: this.#firstKeys, lastKeys: this.#lastKeys, bloom,
    });
    return { ops: this.takeOps(), run };
  }
}
