/**
 * Fuzz targets for every parser of bytes read back from storage (issue 7).
 * Each target builds valid encodings as seeds, feeds damaged copies and
 * random bytes (fuzz/mutate.ts) to the parser, and must only ever return a
 * value or throw a typed `SynapsedError`: any other exception, a call that
 * runs longer than the hang limit, or a heap that grows past the memory
 * limit is a failure (fuzz/runner.ts).
 *
 * | target         | parser under test                                       |
 * |----------------|---------------------------------------------------------|
 * | header         | keyring/header.ts decodeHeader, then Keyring.unlock     |
 * |                | (recovery code: checksum, KDF bounds, slot, MAC, KEM)   |
 * | sealed-record  | engine/record.ts RecordCipher.open, every record kind   |
 * | wal-record     | engine/wal.ts decodeWalOps of authenticated plaintext   |
 * | run-index      | engine/run.ts Run.load, then get/range/large on the run |
 * | run-block      | engine/block.ts via Run.block, get and range            |
 * | manifest       | engine/manifest.ts openManifest                         |
 * | engine-open    | Engine.open over a store with one record damaged        |
 * |                | (sealed or authenticated-but-malformed), then a scan    |
 * | document       | documents/doc-codec.ts decodeDocument, then the value   |
 * |                | codec (value-codec.ts) on what it returned              |
 * | ts-bucket      | timeseries/bucket.ts decodeBucket                       |
 *
 * "Authenticated but malformed" inputs are sealed with the store's own key
 * after mutation, so they get past the AEAD and reach the decoders: what a
 * bug, a future format or a holder of the key could produce.
 */
import fc from 'fast-check';
import { encode } from '@msgpack/msgpack';
import { openMemoryBackend, type Backend, type BackendOp } from '../src/engine/backend.ts';
import { BlockCache } from '../src/engine/block-cache.ts';
import { Engine, type EngineOptions } from '../src/engine/engine.ts';
import { blockKey, indexKey } from '../src/engine/keys.ts';
import { openManifest } from '../src/engine/manifest.ts';
import { RecordCipher } from '../src/engine/record.ts';
import { Run, RunWriter, pairLocation, type RunContext } from '../src/engine/run.ts';
import { LargeRef } from '../src/engine/block.ts';
import { decodeWalOps, encodeWalOps, type WriteOp } from '../src/engine/wal.ts';
import { KIND, type RecordKind } from '../src/format.ts';
import { SynapsedError } from '../src/errors.ts';
import { decodeHeader } from '../src/keyring/header.ts';
import { Keyring } from '../src/keyring/keyring.ts';
import { KDF_FLOOR } from '../src/keyring/kdf-params.ts';
import { decodeDocument, encodeDocument } from '../src/documents/doc-codec.ts';
import { compareValues, encodeValue } from '../src/documents/value-codec.ts';
import { decodeBucket, encodeBucket } from '../src/timeseries/bucket.ts';
import { safeU64Bytes, u32Bytes } from '../src/util/bytes.ts';
import { rechecksum } from '../test/helpers/keyring.ts';
import { mutated } from './mutate.ts';

/** A parser under test: `input` builds its inputs, `execute` feeds one to the parser. */
export interface FuzzTarget {
  readonly name: string;
  /** Builds seeds and context once; returns the input arbitrary and the execution. */
  prepare(): Promise<{ input: fc.Arbitrary<Uint8Array>; execute: (bytes: Uint8Array) => unknown }>;
}

const enc = new TextEncoder();
const TUNING: EngineOptions = { memtableBytes: 4096, blockBytes: 256, largeValueBytes: 64, cacheBytes: 0 };
const SEQ = 7;
const RUN = 3;

function sampleOps(): WriteOp[][] {
  return [
    [{ key: enc.encode('\u0000a'), value: enc.encode('1') }],
    [{ key: enc.encode('\u0000chat/alice/0001'), value: enc.encode('hello'.repeat(20)) }, { key: enc.encode('\u0000chat/bob'), value: null }],
    Array.from({ length: 12 }, (_, i) => ({ key: enc.encode(`\u0010k${i}`), value: i % 3 === 0 ? null : new Uint8Array(i * 9).fill(i) })),
  ];
}

/** Sorted entries for runs: small, large (own record) and deleted values. */
function sampleEntries(): Array<[Uint8Array, Uint8Array | null]> {
  return Array.from({ length: 40 }, (_, i) => [enc.encode(`\u0000key/${String(i).padStart(3, '0')}`), i % 7 === 3 ? null : new Uint8Array(i % 5 === 0 ? 100 : i).fill(i)]);
}

async function cipher(): Promise<RecordCipher> {
  return new RecordCipher(await Keyring.createEphemeral());
}

/** Writes a run of `sampleEntries` through RunWriter into `backend`; returns the run and its sealed records. */
function writeRun(ctx: RunContext, id: number): { run: Run; ops: BackendOp[] } {
  const writer = new RunWriter(ctx, id, 0, 1, 40, TUNING);
  for (const [k, v] of sampleEntries()) writer.add(k, v);
  return writer.finish();
}

/** Exercises every read of a loaded run: point reads, both scans, large values. */
function readAll(ctx: RunContext, run: Run): number {
  let n = 0;
  for (const [k] of sampleEntries()) if (run.get(ctx, k) !== undefined) n++;
  for (const reverse of [false, true]) {
    for (const [, value] of run.range(ctx, undefined, true, undefined, true, reverse)) {
      if (value instanceof LargeRef) run.large(ctx, value);
      n++;
    }
  }
  for (const [, value] of run.range(ctx, enc.encode('\u0000key/010'), false, enc.encode('\u0000key/030'), true, false)) n += value === null ? 0 : 1;
  return n;
}

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'header',
    async prepare() {
      const { keyring, recoveryCode } = await Keyring.create({ passphrase: 'fuzz', kdf: KDF_FLOOR });
      const code = recoveryCode.reveal();
      const one = keyring.header();
      const two = keyring.addEpoch().header();
      const seeds = [one, two];
      // Half the damaged headers get a fresh checksum, as a deliberate attacker would: they reach the deeper checks.
      const input = fc.tuple(mutated(seeds, 4096), fc.boolean()).map(([bytes, fix]) => (fix && bytes.length > 64 ? rechecksum(bytes) : bytes));
      return {
        input,
        execute: async (bytes: Uint8Array) => {
          try {
            decodeHeader(bytes, 'fuzz');
          } finally {
            // Unlock runs whatever the parse said: it must reach the same typed verdict on its own.
            const { keyring: opened } = await Keyring.unlock([bytes], { recoveryCode: code });
            opened.wipe();
          }
        },
      };
    },
  },
  {
    name: 'sealed-record',
    async prepare() {
      const c = await cipher();
      const kinds: Array<[RecordKind, Uint8Array]> = [[KIND.WAL, safeU64Bytes(SEQ)], [KIND.PAGE, pairLocation(RUN, 0)], [KIND.RUN_INDEX, u32Bytes(RUN)], [KIND.LARGE_VALUE, pairLocation(RUN, 1)], [KIND.META, enc.encode('manifest')]];
      const seeds = kinds.map(([kind, location], i) => c.seal(kind, location, encodeWalOps(sampleOps()[i % 3] as WriteOp[])));
      return {
        input: mutated(seeds),
        execute: (bytes: Uint8Array) => {
          let opened = 0;
          for (const [kind, location] of kinds) {
            try {
              c.open(kind, location, bytes, 'page', 'fuzz');
              opened++;
            } catch (error) {
              if (!(error instanceof SynapsedError)) throw error;
            }
          }
          // The same bytes never open as two kinds: the AAD binds the kind.
          if (opened > 1) throw new Error(`one record opened as ${opened} kinds`);
          if (opened === 0) c.open(KIND.WAL, safeU64Bytes(SEQ), bytes, 'wal', SEQ);
        },
      };
    },
  },
  {
    name: 'wal-record',
    async prepare() {
      const c = await cipher();
      const seeds = sampleOps().map(encodeWalOps);
      return {
        input: mutated(seeds),
        execute: (plain: Uint8Array) => decodeWalOps(c.open(KIND.WAL, safeU64Bytes(SEQ), c.seal(KIND.WAL, safeU64Bytes(SEQ), plain), 'wal', SEQ), SEQ),
      };
    },
  },
  {
    name: 'run-index',
    async prepare() {
      const backend = await openMemoryBackend();
      const c = await cipher();
      const ctx: RunContext = { backend, cipher: c, cache: new BlockCache(0) };
      const { ops } = writeRun(ctx, RUN);
      await backend.write(ops, false);
      const plain = c.open(KIND.RUN_INDEX, u32Bytes(RUN), (await backend.get(indexKey(RUN))) as Uint8Array, 'page', 'seed');
      return {
        input: mutated([plain], 2048),
        execute: async (bytes: Uint8Array) => {
          await backend.write([{ type: 'put', key: indexKey(RUN), value: c.seal(KIND.RUN_INDEX, u32Bytes(RUN), bytes) }], false);
          return readAll(ctx, await Run.load(ctx, RUN));
        },
      };
    },
  },
  {
    name: 'run-block',
    async prepare() {
      const backend = await openMemoryBackend();
      const c = await cipher();
      const ctx: RunContext = { backend, cipher: c, cache: new BlockCache(0) };
      const { ops, run } = writeRun(ctx, RUN);
      await backend.write(ops, false);
      const seeds: Uint8Array[] = [];
      for (let b = 0; b < run.blockCount; b++) seeds.push(c.open(KIND.PAGE, pairLocation(RUN, b), (await backend.get(blockKey(RUN, b))) as Uint8Array, 'page', 'seed'));
      let n = 0;
      return {
        input: mutated(seeds, 1024),
        execute: (bytes: Uint8Array) => {
          const b = n++ % run.blockCount;
          const original = backend.getSync(blockKey(RUN, b)) as Uint8Array;
          // Synchronous swap through the memory backend's batch is not available: put, read, restore.
          return backend.write([{ type: 'put', key: blockKey(RUN, b), value: c.seal(KIND.PAGE, pairLocation(RUN, b), bytes) }], false)
            .then(() => readAll(ctx, run))
            .finally(() => backend.write([{ type: 'put', key: blockKey(RUN, b), value: original }], false));
        },
      };
    },
  },
  {
    name: 'manifest',
    async prepare() {
      const c = await cipher();
      const seeds = [
        encode({ gen: 3, seq: 120, nextRun: 9, runs: [8, 6, 2], snapshots: [] }),
        encode({ gen: 9, seq: 4000, nextRun: 30, runs: [29, 28], snapshots: [{ name: 'daily', seq: 3000, runs: [20, 12], created: 1_700_000_000_000 }] }),
      ];
      const location = enc.encode('manifest');
      return {
        input: mutated(seeds),
        execute: (plain: Uint8Array) => openManifest(c, c.seal(KIND.META, location, plain)),
      };
    },
  },
  {
    name: 'engine-open',
    async prepare() {
      // A small store: runs (flushes, a merge), WAL records after the last flush, a manifest.
      const keyring = await Keyring.createEphemeral();
      const source = await openMemoryBackend();
      const engine = await Engine.open(source, keyring, TUNING);
      for (let i = 0; i < 60; i++) await engine.commit([{ key: enc.encode(`\u0000k${i % 25}`), value: new Uint8Array(40 + (i % 4) * 30).fill(i) }], false);
      await engine.close({ flushAbove: 1 << 30 });
      const records: Array<[Uint8Array, Uint8Array]> = [];
      for await (const entry of source.entries({ gte: new Uint8Array([0]), lt: new Uint8Array([0xff]) })) records.push(entry);
      await source.close();
      const c = new RecordCipher(keyring);
      // Which record to damage, how (sealed bytes, or plaintext resealed), and the damage.
      const plainOf = (key: Uint8Array, sealed: Uint8Array): { kind: RecordKind; location: Uint8Array; plain: Uint8Array } | undefined => {
        const table: Record<number, [RecordKind, Uint8Array] | undefined> = {
          0x4d: [KIND.META, enc.encode('manifest')], 0x57: [KIND.WAL, key.subarray(1)], 0x49: [KIND.RUN_INDEX, key.subarray(1, 5)],
          0x42: [KIND.PAGE, key.subarray(1, 9)], 0x56: [KIND.LARGE_VALUE, key.subarray(1, 9)],
        };
        const entry = table[key[0] as number];
        if (entry === undefined || sealed.length === 0) return undefined;
        return { kind: entry[0], location: entry[1], plain: c.open(entry[0], entry[1], sealed, 'page', 'seed') };
      };
      const seeds = records.map(([key, value]) => plainOf(key, value)?.plain ?? value);
      const input = fc.tuple(fc.nat(records.length - 1), fc.boolean(), mutated(seeds, 256)).map(([i, reseal, bytes]) => {
        const out = new Uint8Array(5 + bytes.length);
        out[0] = i >>> 8;
        out[1] = i & 0xff;
        out[2] = reseal ? 1 : 0;
        out.set(bytes, 5);
        return out;
      });
      return {
        input,
        execute: async (encoded: Uint8Array) => {
          const i = (((encoded[0] ?? 0) << 8) | (encoded[1] ?? 0)) % records.length;
          const [key, sealed] = records[i] as [Uint8Array, Uint8Array];
          const bytes = encoded.subarray(5);
          const parts = plainOf(key, sealed);
          const damaged = encoded[2] === 1 && parts !== undefined ? c.seal(parts.kind, parts.location, bytes) : bytes;
          const backend: Backend = await openMemoryBackend();
          try {
            await backend.write(records.map(([k, v]) => ({ type: 'put' as const, key: k, value: k === key ? damaged : v })), false);
            await backend.writeHeader(keyring.header());
            const opened = await Engine.open(backend, keyring, TUNING);
            try {
              let n = 0;
              for (const _ of opened.scan(opened.view(), { lowInclusive: true, highInclusive: true, reverse: false })) n++;
              for (let k = 0; k < 25; k++) opened.get(opened.view(), enc.encode(`\u0000k${k}`));
              return n;
            } finally {
              await opened.close({ flushAbove: 1 << 30 });
            }
          } finally {
            await backend.close();
          }
        },
      };
    },
  },
  {
    name: 'document',
    async prepare() {
      const docs = [
        { _id: 'a1', name: 'Ada', age: 36, tags: ['x', 'y'], nested: { deep: [1, 2, { z: null }] } },
        { _id: 'b2', when: new Date(1_700_000_000_000), bytes: new Uint8Array([0, 1, 255]), ok: true, n: -0.5, big: 2 ** 53 - 1 },
        { _id: 'c3', text: 'héllo wörld '.repeat(10), list: Array.from({ length: 20 }, (_, i) => i * 1.5) },
      ];
      return {
        input: mutated(docs.map((d) => encodeDocument(d)), 1024),
        execute: (bytes: Uint8Array) => {
          const doc = decodeDocument(bytes, 'fuzz');
          // Whatever decodes must also encode for indexes, and compare equal to itself.
          if (compareValues(doc, doc) !== 0) throw new Error('a decoded document does not compare equal to itself');
          return encodeValue(doc).length;
        },
      };
    },
  },
  {
    name: 'ts-bucket',
    async prepare() {
      const start = 1_700_000_000_000;
      const seeds = [
        encodeBucket(start, [start, start + 1000, start + 2000], [1.5, 1.75, 2]),
        encodeBucket(start, Array.from({ length: 50 }, (_, i) => start + i * 37), Array.from({ length: 50 }, (_, i) => Math.sin(i) * 1e6)),
      ];
      return { input: mutated(seeds), execute: (bytes: Uint8Array) => decodeBucket(start, bytes) };
    },
  },
];
