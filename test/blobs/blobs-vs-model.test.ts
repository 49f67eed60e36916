/**
 * The blob store against a reference model (a Map of id -> bytes): random
 * sequences of writes (plain, dedup, streamed in random pieces), deletes,
 * transactions that commit or roll back, range reads, lists and reopens.
 * After every command the store must agree with the model, and on disk the
 * blob folder must hold exactly one file per stored content above the
 * inline size (no orphan, no premature removal).
 *
 * Sizes are drawn around the inline limit and the 64 KiB chunk size, and
 * contents from a small pool so dedup and equal contents collide.
 * Replay: FC_SEED=<seed> FC_PATH=<path> node scripts/run-tests.mjs test/blobs/blobs-vs-model.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { diskFactory, memoryFactory, type StoreFactory, type StoreHandle } from '../helpers/stores.ts';

const C = 64 * 1024;
const INLINE = 16 * 1024;

interface Entry {
  readonly bytes: Buffer;
  /** Written with dedup, so it may share a file with an equal dedup entry. */
  readonly dedup: boolean;
}
type Model = { blobs: Map<string, Entry> };
type Real = { handle: StoreHandle };
type Cmd = fc.AsyncCommand<Model, Real>;

/** Contents from a small pool of (size, seed) pairs: equal contents recur. */
const SIZES = [0, 1, INLINE, INLINE + 1, C - 1, C, C + 1, 2 * C + 5];
function contentOf(sizeIndex: number, seed: number): Buffer {
  const size = SIZES[sizeIndex]!;
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

const idArb = fc.constantFrom('a', 'b', 'c/1', 'c/2', 'd');
const contentArb = fc.record({ size: fc.nat(SIZES.length - 1), seed: fc.nat(2) });

async function* pieces(data: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of cuts) {
    const n = Math.min(data.length - at, cut);
    if (n <= 0) break;
    yield data.subarray(at, at + n);
    at += n;
  }
  if (at < data.length) yield data.subarray(at);
}

/** Files the model says must exist: one per distinct content above the inline size (dedup entries share). */
function expectedFiles(m: Model): number {
  let count = 0;
  const shared = new Set<string>();
  for (const entry of m.blobs.values()) {
    if (entry.bytes.length <= INLINE) continue;
    if (!entry.dedup) {
      count++;
      continue;
    }
    const key = entry.bytes.toString('base64');
    if (!shared.has(key)) {
      shared.add(key);
      count++;
    }
  }
  return count;
}

async function compare(m: Model, r: Real): Promise<void> {
  const store = r.handle.store;
  const listed: string[] = [];
  for await (const info of store.blobs.list()) {
    listed.push(info.id);
    assert.equal(info.size, m.blobs.get(info.id)?.bytes.length, `size of ${info.id}`);
  }
  assert.deepEqual(listed, [...m.blobs.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  for (const [id, entry] of m.blobs) assert.ok(Buffer.from(await store.blobs.read(id)).equals(entry.bytes), `content of ${id}`);
  if (r.handle.dir !== undefined) {
    // Replaced files are unlinked asynchronously right after the commit: poll (a loaded machine may take a while).
    const count = async (): Promise<number> => (await readdir(join(r.handle.dir!, 'blobs')).catch(() => [] as string[])).filter((f) => f.endsWith('.blob')).length;
    const want = expectedFiles(m);
    for (let i = 0; i < 200 && (await count()) !== want; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await count(), want, 'one file per stored content, no orphans');
  }
}

class Write implements Cmd {
  readonly id: string;
  readonly size: number;
  readonly seed: number;
  readonly dedup: boolean;
  readonly cuts: number[];
  constructor(id: string, size: number, seed: number, dedup: boolean, cuts: number[]) {
    this.id = id; this.size = size; this.seed = seed; this.dedup = dedup; this.cuts = cuts;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const data = contentOf(this.size, this.seed);
    const info = await r.handle.store.blobs.write(this.id, pieces(data, this.cuts), { dedup: this.dedup });
    assert.equal(info.size, data.length);
    m.blobs.set(this.id, { bytes: data, dedup: this.dedup });
    await compare(m, r);
  }
  toString = (): string => `write(${this.id}, ${SIZES[this.size]}B#${this.seed}${this.dedup ? ', dedup' : ''})`;
}

class Delete implements Cmd {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    assert.equal(await r.handle.store.blobs.delete(this.id), m.blobs.has(this.id));
    m.blobs.delete(this.id);
    await compare(m, r);
  }
  toString = (): string => `delete(${this.id})`;
}

class Tx implements Cmd {
  readonly writes: Array<{ id: string; size: number; seed: number; dedup: boolean }>;
  readonly deletes: string[];
  readonly commit: boolean;
  constructor(writes: Array<{ id: string; size: number; seed: number; dedup: boolean }>, deletes: string[], commit: boolean) {
    this.writes = writes; this.deletes = deletes; this.commit = commit;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const store = r.handle.store;
    const staged = new Map(m.blobs);
    const attempt = store.transaction(async (tx) => {
      for (const w of this.writes) {
        const data = contentOf(w.size, w.seed);
        await store.blobs.in(tx).write(w.id, data, { dedup: w.dedup });
        staged.set(w.id, { bytes: data, dedup: w.dedup });
      }
      for (const id of this.deletes) {
        assert.equal(await store.blobs.in(tx).delete(id), staged.has(id));
        staged.delete(id);
      }
      if (!this.commit) throw new Error('roll back');
    });
    if (this.commit) {
      await attempt;
      m.blobs = staged;
    } else {
      await assert.rejects(attempt, /roll back/);
    }
    await compare(m, r);
  }
  toString = (): string => `tx(${this.writes.map((w) => `${w.id}=${SIZES[w.size]}B#${w.seed}`).join(' ')} -${this.deletes.join(' -')} ${this.commit ? 'commit' : 'rollback'})`;
}

class ReadRange implements Cmd {
  readonly id: string;
  readonly a: number;
  readonly b: number;
  constructor(id: string, a: number, b: number) {
    this.id = id; this.a = a; this.b = b;
  }
  check = (m: Readonly<Model>): boolean => m.blobs.has(this.id);
  async run(m: Model, r: Real): Promise<void> {
    const data = m.blobs.get(this.id)!.bytes;
    // Any start in [0, size], any inclusive end in [start - 1, size]: empty, interior, edge and clamped ranges
    const start = this.a % (data.length + 1);
    // (end is at least 0, as in fs streams: the empty range at 0 is [0, 0] of an empty blob)
    const end = Math.max(0, start - 1 + (this.b % (data.length - start + 2)));
    const got = Buffer.from(await r.handle.store.blobs.read(this.id, { start, end }));
    assert.ok(got.equals(data.subarray(start, end + 1)), `range [${start}, ${end}] of ${this.id}`);
  }
  toString = (): string => `read(${this.id}, ${this.a}, ${this.b})`;
}

class Reopen implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.handle.reopen!();
    await compare(m, r);
  }
  toString = (): string => 'reopen';
}

function commands(withReopen: boolean): Array<fc.Arbitrary<Cmd>> {
  const writeArb = fc.record({ id: idArb, size: contentArb.map((c) => c.size), seed: fc.nat(2), dedup: fc.boolean() });
  const list: Array<fc.Arbitrary<Cmd>> = [
    fc.tuple(idArb, contentArb, fc.boolean(), fc.array(fc.integer({ min: 1, max: 3 * C }), { maxLength: 4 }))
      .map(([id, c, dedup, cuts]) => new Write(id, c.size, c.seed, dedup, cuts)),
    idArb.map((id) => new Delete(id)),
    fc.tuple(fc.array(writeArb, { maxLength: 3 }), fc.array(idArb, { maxLength: 2 }), fc.boolean()).map(([w, d, commit]) => new Tx(w, d, commit)),
    fc.tuple(idArb, fc.nat(), fc.nat()).map(([id, a, b]) => new ReadRange(id, a, b)),
  ];
  if (withReopen) list.push(fc.constant(new Reopen()));
  return list;
}

async function runBlobModel(factory: StoreFactory, withReopen: boolean, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands(withReopen), { maxCommands: 25, size: 'max' }), async (cmds) => {
      const handle = await factory();
      try {
        await fc.asyncModelRun(() => ({ model: { blobs: new Map() }, real: { handle } }), cmds);
      } finally {
        await handle.cleanup();
      }
    }),
    {
      numRuns,
      ...(process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) }),
      ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }),
    },
  );
}

test('memory blob store agrees with a Map model', { timeout: 300_000 }, async () => {
  await runBlobModel(memoryFactory(), false, 60);
});

test('disk blob store agrees with the model across reopens, with no orphan or missing file', { timeout: 300_000 }, async () => {
  await runBlobModel(diskFactory(), true, 25);
});
