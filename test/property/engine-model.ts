/**
 * The engine model: random command sequences run against the Store and
 * against a plain Map (plus copies for snapshots); they must agree after
 * every command. Used by engine-vs-model.test.ts (quick) and
 * fuzz/engine-model.ts (long, seeded). Tiny sizes force flushes, merges, multi-block runs and
 * large-value records within a few dozen commands; keys come from a small
 * alphabet so prefixes, overwrites and deletes collide often.
 *
 * The seed is printed on failure by fast-check; replay with
 * FC_SEED=<seed> FC_PATH=<path> node scripts/run-tests.mjs test/property/engine-vs-model.test.ts
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Snapshot, Store } from '../../src/index.ts';
import type { StoreFactory, StoreHandle } from '../helpers/stores.ts';

type Model = { data: Map<string, string>; snapshots: Array<Map<string, string> | undefined> };
type Real = { handle: StoreHandle; snapshots: Array<Snapshot | undefined> };
type Cmd = fc.AsyncCommand<Model, Real>;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const keyArb = fc.array(fc.constantFrom(0x00, 0x01, 0x61, 0x62, 0xff), { maxLength: 3 }).map((a) => new Uint8Array(a));
const valueArb = fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 60, maxLength: 120 }));

interface ScanOpts { gt?: Uint8Array; gte?: Uint8Array; lt?: Uint8Array; lte?: Uint8Array; prefix?: Uint8Array; reverse?: boolean; limit?: number }
const scanArb: fc.Arbitrary<ScanOpts> = fc.record(
  { gt: keyArb, gte: keyArb, lt: keyArb, lte: keyArb, prefix: keyArb, reverse: fc.boolean(), limit: fc.nat(6) },
  { requiredKeys: [] },
);

/** The reference scan over a model map. */
function modelScan(data: Map<string, string>, o: ScanOpts): Array<[string, string]> {
  const bound = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : hex(b));
  const [gt, gte, lt, lte, prefix] = [bound(o.gt), bound(o.gte), bound(o.lt), bound(o.lte), bound(o.prefix)];
  let keys = [...data.keys()].sort().filter((k) =>
    (gt === undefined || k > gt) && (gte === undefined || k >= gte) && (lt === undefined || k < lt) &&
    (lte === undefined || k <= lte) && (prefix === undefined || k.startsWith(prefix)));
  if (o.reverse === true) keys.reverse();
  if (o.limit !== undefined) keys = keys.slice(0, o.limit);
  return keys.map((k) => [k, data.get(k) as string]);
}

async function realScan(source: Store | Snapshot, o: ScanOpts): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [k, v] of source.scan(o)) out.push([hex(k), hex(v)]);
  return out;
}

class Put implements Cmd {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  constructor(key: Uint8Array, value: Uint8Array) {
    this.key = key; this.value = value;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.handle.store.put(this.key, this.value);
    m.data.set(hex(this.key), hex(this.value));
  }
  toString = (): string => `put(${hex(this.key)}, ${this.value.length}B)`;
}

class Del implements Cmd {
  readonly key: Uint8Array;
  constructor(key: Uint8Array) {
    this.key = key;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.handle.store.delete(this.key);
    m.data.delete(hex(this.key));
  }
  toString = (): string => `del(${hex(this.key)})`;
}

class Batch implements Cmd {
  readonly ops: Array<{ key: Uint8Array; value: Uint8Array | null }>;
  constructor(ops: Array<{ key: Uint8Array; value: Uint8Array | null }>) {
    this.ops = ops;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.handle.store.batch(this.ops.map((o) => (o.value === null ? { type: 'del' as const, key: o.key } : { type: 'put' as const, key: o.key, value: o.value })));
    for (const o of this.ops) {
      if (o.value === null) m.data.delete(hex(o.key));
      else m.data.set(hex(o.key), hex(o.value));
    }
  }
  toString = (): string => `batch(${this.ops.length})`;
}

class Tx implements Cmd {
  readonly reads: Uint8Array[];
  readonly ops: Array<{ key: Uint8Array; value: Uint8Array | null }>;
  readonly scan: ScanOpts;
  constructor(reads: Uint8Array[], ops: Array<{ key: Uint8Array; value: Uint8Array | null }>, scan: ScanOpts) {
    this.reads = reads; this.ops = ops; this.scan = scan;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const local = new Map(m.data);
    await r.handle.store.transaction(async (tx) => {
      for (const o of this.ops) {
        if (o.value === null) {
          tx.delete(o.key);
          local.delete(hex(o.key));
        } else {
          tx.put(o.key, o.value);
          local.set(hex(o.key), hex(o.value));
        }
        for (const key of this.reads) {
          const got = await tx.get(key);
          assert.equal(got === undefined ? undefined : hex(got), local.get(hex(key)), `tx read-your-writes ${hex(key)}`);
        }
      }
      const seen: Array<[string, string]> = [];
      for await (const [k, v] of tx.scan(this.scan)) seen.push([hex(k), hex(v)]);
      assert.deepEqual(seen, modelScan(local, this.scan), 'tx scan');
    });
    m.data = local;
  }
  toString = (): string => `tx(${this.ops.length} ops, ${this.reads.length} reads)`;
}

class Get implements Cmd {
  readonly keys: Uint8Array[];
  constructor(keys: Uint8Array[]) {
    this.keys = keys;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const got = await r.handle.store.getMany(this.keys);
    assert.deepEqual(got.map((v) => (v === undefined ? undefined : hex(v))), this.keys.map((k) => m.data.get(hex(k))));
    if (this.keys[0] !== undefined) {
      const one = await r.handle.store.get(this.keys[0]);
      assert.equal(one === undefined ? undefined : hex(one), m.data.get(hex(this.keys[0])));
    }
  }
  toString = (): string => `get(${this.keys.map(hex).join(',')})`;
}

class Scan implements Cmd {
  readonly opts: ScanOpts;
  constructor(opts: ScanOpts) {
    this.opts = opts;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    assert.deepEqual(await realScan(r.handle.store, this.opts), modelScan(m.data, this.opts));
  }
  toString = (): string => `scan(${JSON.stringify(Object.fromEntries(Object.entries(this.opts).map(([k, v]) => [k, v instanceof Uint8Array ? hex(v) : v])))})`;
}

class TakeSnapshot implements Cmd {
  check = (m: Readonly<Model>): boolean => m.snapshots.length < 4;
  async run(m: Model, r: Real): Promise<void> {
    r.snapshots.push(r.handle.store.snapshot());
    m.snapshots.push(new Map(m.data));
  }
  toString = (): string => 'snapshot()';
}

class ReadSnapshot implements Cmd {
  readonly index: number;
  readonly opts: ScanOpts;
  readonly key: Uint8Array;
  constructor(index: number, opts: ScanOpts, key: Uint8Array) {
    this.index = index; this.opts = opts; this.key = key;
  }
  check = (m: Readonly<Model>): boolean => m.snapshots[this.index % Math.max(1, m.snapshots.length)] !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const i = this.index % m.snapshots.length;
    const expected = m.snapshots[i] as Map<string, string>;
    const snap = r.snapshots[i] as Snapshot;
    const got = await snap.get(this.key);
    assert.equal(got === undefined ? undefined : hex(got), expected.get(hex(this.key)));
    assert.deepEqual(await realScan(snap, this.opts), modelScan(expected, this.opts));
  }
  toString = (): string => `readSnapshot(${this.index})`;
}

class CloseSnapshot implements Cmd {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  check = (m: Readonly<Model>): boolean => m.snapshots[this.index % Math.max(1, m.snapshots.length)] !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    const i = this.index % m.snapshots.length;
    await (r.snapshots[i] as Snapshot).close();
    r.snapshots[i] = undefined;
    m.snapshots[i] = undefined;
  }
  toString = (): string => `closeSnapshot(${this.index})`;
}

class Flush implements Cmd {
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    await r.handle.store.flush();
  }
  toString = (): string => 'flush()';
}

class Reopen implements Cmd {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    await (r.handle.reopen as () => Promise<Store>)();
    // Closing the store closes its snapshots; the model forgets them too.
    r.snapshots = r.snapshots.map(() => undefined);
    m.snapshots = m.snapshots.map(() => undefined);
    assert.deepEqual(await realScan(r.handle.store, {}), modelScan(m.data, {}));
  }
  toString = (): string => 'reopen()';
}

const opArb = fc.record({ key: keyArb, value: fc.option(valueArb, { nil: null }) });

function commands(withReopen: boolean): Array<fc.Arbitrary<Cmd>> {
  const list: Array<fc.Arbitrary<Cmd>> = [
    fc.tuple(keyArb, valueArb).map(([k, v]) => new Put(k, v)),
    fc.tuple(keyArb, valueArb).map(([k, v]) => new Put(k, v)),
    keyArb.map((k) => new Del(k)),
    fc.array(opArb, { minLength: 1, maxLength: 12 }).map((ops) => new Batch(ops)),
    fc.tuple(fc.array(keyArb, { maxLength: 3 }), fc.array(opArb, { maxLength: 5 }), scanArb).map(([reads, ops, s]) => new Tx(reads, ops, s)),
    fc.array(keyArb, { minLength: 1, maxLength: 4 }).map((keys) => new Get(keys)),
    scanArb.map((s) => new Scan(s)),
    fc.constant(new TakeSnapshot()),
    fc.tuple(fc.nat(3), scanArb, keyArb).map(([i, s, k]) => new ReadSnapshot(i, s, k)),
    fc.nat(3).map((i) => new CloseSnapshot(i)),
    fc.constant(new Flush()),
  ];
  if (withReopen) list.push(fc.constant(new Reopen()));
  return list;
}

/** Checks `numRuns` random command sequences; `seed` (or FC_SEED/FC_PATH) replays one. */
export async function runModel(factory: StoreFactory, withReopen: boolean, numRuns: number, maxCommands: number, seed?: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands(withReopen), { maxCommands, size: 'max' }), async (cmds) => {
      const handle = await factory();
      const real: Real = { handle, snapshots: [] };
      try {
        await fc.asyncModelRun(() => ({ model: { data: new Map(), snapshots: [] }, real }), cmds);
        // A last full comparison, after everything settled.
        await handle.store.flush();
      } finally {
        await handle.cleanup();
      }
    }),
    {
      numRuns,
      ...(seed !== undefined ? { seed } : process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) }),
      ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }),
    },
  );
}
