/**
 * A known dataset for the tamper tests, and a reader that reads all of it
 * back and judges every answer against a `Map` model.
 *
 * The workload puts every engine record kind on disk: WAL records (the
 * tail is left unflushed at close), blocks (small `blockBytes`, so runs
 * have many), run indexes, large values (small `largeValueBytes`), the
 * manifest, a merge (four tier-0 runs) and a named snapshot pinning runs
 * the merge retired. Flushes are explicit and the memtable is too large to
 * flush on its own, so the same seed gives the same record layout in two
 * stores (the cross-store splice test relies on it).
 */
import type { Store, StoreOptions } from '../../src/index.ts';
import { Rng, classifyError, withTimeout, type Outcome } from '../helpers/store-fixtures.ts';

/** Store options that give many small records of every kind. */
export const DATASET_OPTIONS: StoreOptions = { memtableBytes: 1024 * 1024, blockBytes: 512, largeValueBytes: 300 };

export interface Dataset {
  /** The live state: key -> value. */
  readonly model: Map<string, Uint8Array>;
  /** Every key ever written, plus a few never written. */
  readonly universe: readonly string[];
  /** A named snapshot and the state it must show (absent: not checked). */
  readonly snapshot?: { readonly name: string; readonly model: Map<string, Uint8Array> };
}

const key = (i: number): string => `k/${String(i).padStart(4, '0')}`;

/** Fills `store` (empty, opened with DATASET_OPTIONS) with a seeded workload. */
export async function buildDataset(store: Store, seed: number): Promise<Dataset> {
  const rng = new Rng(seed);
  const model = new Map<string, Uint8Array>();
  const value = (): Uint8Array => rng.bytes(rng.chance(0.1) ? rng.range(301, 900) : rng.range(1, 120));
  const put = async (i: number): Promise<void> => {
    const v = value();
    await store.put(key(i), v);
    model.set(key(i), v);
  };
  const del = async (i: number): Promise<void> => {
    await store.delete(key(i));
    model.delete(key(i));
  };
  const batch = async (n: number): Promise<void> => {
    const ops: Array<{ type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }> = [];
    const touched = new Set<number>();
    while (touched.size < n) touched.add(rng.int(400));
    for (const i of touched) ops.push(rng.chance(0.7) ? { type: 'put', key: key(i), value: value() } : { type: 'del', key: key(i) });
    await store.batch(ops);
    for (const op of ops) {
      if (op.type === 'put') model.set(op.key, op.value);
      else model.delete(op.key);
    }
  };
  const phase = async (puts: number, dels: number, batches: number): Promise<void> => {
    for (let i = 0; i < puts; i++) await put(rng.int(400));
    for (let i = 0; i < dels; i++) await del(rng.int(400));
    for (let i = 0; i < batches; i++) await batch(rng.range(2, 6));
  };

  for (let f = 0; f < 3; f++) {
    await phase(60, 10, 3);
    await store.flush();
  }
  const name = 'before-merge';
  await store.snapshots.create(name);
  const snapshotModel = new Map(model);
  await phase(60, 10, 3);
  await store.flush(); // fourth tier-0 run: merged with the other three
  for (let f = 0; f < 2; f++) {
    await phase(40, 10, 3);
    await store.flush();
  }
  await phase(25, 5, 4); // the tail stays in WAL records
  if (store.stats().merges < 1) throw new Error('dataset: expected a merge');
  const universe = [...new Set([...Array.from({ length: 400 }, (_, i) => key(i)), 'a', 'k/', 'z'])].sort();
  return { model, universe, snapshot: { name, model: snapshotModel } };
}

/** One read and how it ended. */
export interface ReadResult {
  readonly op: string;
  readonly outcome: Outcome;
  readonly error?: unknown;
  readonly detail?: string;
}

const TIMEOUT_MS = 10_000;

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

async function judge(op: string, read: () => Promise<string | undefined>): Promise<ReadResult> {
  try {
    const wrong = await withTimeout(read(), TIMEOUT_MS, op);
    return wrong === undefined ? { op, outcome: 'right' } : { op, outcome: 'wrong', detail: `${op}: ${wrong}` };
  } catch (error) {
    return { op, outcome: classifyError(error), error, detail: `${op}: ${String(error)}` };
  }
}

type Scannable = { scan(options?: { reverse?: boolean; prefix?: string }): AsyncIterable<[Uint8Array, Uint8Array]> };

/** Scans and checks every yielded entry against the model's order; an error midway keeps what was checked. */
async function checkScan(source: Scannable, model: Map<string, Uint8Array>, options: { reverse?: boolean; prefix?: string }): Promise<string | undefined> {
  let expected = [...model.keys()].filter((k) => options.prefix === undefined || k.startsWith(options.prefix)).sort();
  if (options.reverse === true) expected = expected.reverse();
  let i = 0;
  for await (const [k, v] of source.scan(options)) {
    const name = Buffer.from(k).toString('utf8');
    if (name !== expected[i]) return `entry ${i} is key ${name}, expected ${expected[i] ?? 'the end'}`;
    if (!same(v, model.get(name))) return `entry ${i} (${name}) has a wrong value`;
    i++;
  }
  return i === expected.length ? undefined : `ended after ${i} of ${expected.length} entries`;
}

/** Reads the whole dataset back (gets, getMany, scans, the named snapshot) and judges each read. */
export async function readEverything(store: Store, dataset: Dataset): Promise<ReadResult[]> {
  const results: ReadResult[] = [];
  const { model, universe } = dataset;
  for (const k of universe) {
    results.push(await judge(`get ${k}`, async () => (same(await store.get(k), model.get(k)) ? undefined : 'wrong value')));
  }
  results.push(await judge('getMany', async () => {
    const values = await store.getMany(universe);
    const bad = universe.findIndex((k, i) => !same(values[i], model.get(k)));
    return bad === -1 ? undefined : `wrong value for ${universe[bad]}`;
  }));
  results.push(await judge('scan', () => checkScan(store, model, {})));
  results.push(await judge('scan reverse', () => checkScan(store, model, { reverse: true })));
  results.push(await judge('scan prefix', () => checkScan(store, model, { prefix: 'k/01' })));
  const named = dataset.snapshot;
  if (named === undefined) return results;
  results.push(await judge('named snapshot', async () => {
    const snap = store.snapshots.get(named.name);
    if (snap === undefined) return 'named snapshot missing';
    try {
      const wrong = await checkScan(snap, named.model, {});
      if (wrong !== undefined) return wrong;
      for (const k of universe.slice(0, 60)) if (!same(await snap.get(k), named.model.get(k))) return `wrong value for ${k}`;
      return undefined;
    } finally {
      await snap.close();
    }
  }));
  return results;
}
