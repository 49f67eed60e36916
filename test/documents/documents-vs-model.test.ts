/**
 * Documents against a model: random inserts (unique violations included),
 * updates, replaces, deletes, deleteMany, index creation on existing data
 * and reopens, compared with a plain array of documents; random queries,
 * sorts, skips and limits must return exactly the array-filter answer, and
 * after every run each index holds exactly the entries of the documents.
 *
 * The reference filter uses the query matcher (query.ts, unit-tested on its
 * own in matcher.test.ts): what this test checks is that indexes, planner
 * and storage never change an answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Collection, NAMESPACE, UniqueConstraintError, type Doc, type IndexSpec } from '../../src/index.ts';
import { matches, parseQuery } from '../../src/documents/query.ts';
import { compareValues } from '../../src/documents/value-codec.ts';
import { valuesAt } from '../../src/documents/paths.ts';
import { indexEntries, indexPrefix } from '../../src/documents/index-keys.ts';
import { TINY, diskFactory, memoryFactory, type StoreFactory, type StoreHandle } from '../helpers/stores.ts';

type Model = { docs: Map<string, Doc> };
type Real = { handle: StoreHandle; col: Collection; name: string };
type Cmd = fc.AsyncCommand<Model, Real>;

const INDEXES: IndexSpec[] = [{ fields: ['a'] }, { fields: ['a', 'b'] }, { fields: ['tags'], multi: true }, { fields: ['n.c'] }, { fields: ['u'], unique: true, sparse: true }, { text: ['body'] }];
const TEXT_FIELDS = [['body']];
const WORDS = ['Café', 'cafeteria', 'hello', 'Hélène', 'world', 'WORD'];
const LATE_INDEX: IndexSpec = { fields: ['b', 'a'], name: 'late' };

const scalar = fc.oneof(fc.constantFrom(0, 1, 2, 3, -1, 2.5), fc.constantFrom('x', 'y', 'xy', ''), fc.constant(null), fc.boolean());
const docArb: fc.Arbitrary<Doc> = fc.record(
  {
    a: scalar, b: fc.integer({ min: -3, max: 3 }), tags: fc.array(fc.constantFrom('p', 'q', 'r'), { maxLength: 3 }),
    n: fc.record({ c: fc.integer({ min: 0, max: 3 }) }), u: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5', 'u6'),
    body: fc.array(fc.constantFrom(...WORDS), { maxLength: 4 }).map((w) => w.join(', ')),
  },
  { requiredKeys: [] },
).map((d) => ({ ...d }) as Doc);

const queryArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  scalar.map((v) => ({ a: v })),
  fc.tuple(scalar, fc.integer({ min: -3, max: 3 })).map(([a, b]) => ({ a, b: { $gt: b } })),
  fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 })).map(([lo, hi]) => ({ b: { $gte: lo, $lt: hi } })),
  fc.constantFrom('p', 'q', 'r').map((t) => ({ tags: t })),
  fc.array(scalar, { minLength: 1, maxLength: 3 }).map((vs) => ({ a: { $in: vs } })),
  fc.integer({ min: 0, max: 3 }).map((c) => ({ 'n.c': c })),
  fc.integer({ min: 0, max: 3 }).map((c) => ({ 'n.c': { $lte: c } })),
  fc.constantFrom('x', 'y', '').map((p) => ({ a: { $startsWith: p } })),
  fc.boolean().map((e) => ({ u: { $exists: e } })),
  scalar.map((v) => ({ a: { $ne: v } })),
  fc.tuple(scalar, fc.constantFrom('p', 'q')).map(([a, t]) => ({ $or: [{ a }, { tags: t }] })),
  fc.constantFrom('u1', 'u2').map((u) => ({ u })),
  fc.constantFrom('caf', 'cafe', 'HEL', 'helene wor', 'word', 'x').map((search) => ({ $text: { $search: search } })),
  fc.tuple(fc.constantFrom('hel', 'wor'), scalar).map(([search, a]) => ({ $text: { $search: search }, a })),
  fc.constant({}),
);
const sortArb = fc.constantFrom(undefined, { b: 1 as const }, { b: -1 as const }, { a: 1 as const, b: 1 as const }, { b: -1 as const, a: -1 as const }, { _id: -1 as const });

function reference(docs: Iterable<Doc>, query: Record<string, unknown>, sort: Record<string, 1 | -1> | undefined, skip: number, limit: number): string[] {
  const node = parseQuery(query);
  const hits = [...docs].filter((d) => matches(node, d, TEXT_FIELDS));
  const entries = Object.entries(sort ?? {}) as Array<[string, 1 | -1]>;
  const first = entries[0]?.[1] ?? 1;
  hits.sort((x, y) => {
    for (const [f, dir] of entries) {
      const c = compareValues(valuesAt(x, f.split('.'))[0], valuesAt(y, f.split('.'))[0]);
      if (c !== 0) return c * dir;
    }
    return compareValues(x._id, y._id) * (entries.length === 0 ? 1 : first);
  });
  return hits.slice(skip, skip + limit).map((d) => d._id as string);
}

const uniqueClash = (docs: Map<string, Doc>, doc: Doc, id: string): boolean =>
  doc.u !== undefined && [...docs.values()].some((d) => d._id !== id && d.u === doc.u);

class Insert implements Cmd {
  readonly doc: Doc;
  constructor(doc: Doc) { this.doc = doc; }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    if (uniqueClash(m.docs, this.doc, '')) {
      await assert.rejects(r.col.insert(this.doc), UniqueConstraintError);
      return;
    }
    const id = await r.col.insert(this.doc);
    m.docs.set(id, { ...this.doc, _id: id });
  }
  toString = (): string => `insert(${JSON.stringify(this.doc)})`;
}

class Update implements Cmd {
  readonly pick: number; readonly b: number; readonly tag: string;
  constructor(pick: number, b: number, tag: string) { this.pick = pick; this.b = b; this.tag = tag; }
  check = (m: Readonly<Model>): boolean => m.docs.size > 0;
  async run(m: Model, r: Real): Promise<void> {
    const id = [...m.docs.keys()].sort()[this.pick % m.docs.size] as string;
    const old = m.docs.get(id) as Doc;
    await r.col.update(id, { $inc: { b: this.b }, $push: { tags: this.tag }, $unset: { 'n.c': '' } });
    const next: Doc = { ...old, b: ((old.b as number | undefined) ?? 0) + this.b, tags: [...((old.tags as string[] | undefined) ?? []), this.tag] };
    if (old.n !== undefined) next.n = {};
    m.docs.set(id, next);
  }
  toString = (): string => `update(${this.pick})`;
}

class Replace implements Cmd {
  readonly pick: number; readonly doc: Doc;
  constructor(pick: number, doc: Doc) { this.pick = pick; this.doc = doc; }
  check = (m: Readonly<Model>): boolean => m.docs.size > 0;
  async run(m: Model, r: Real): Promise<void> {
    const id = [...m.docs.keys()].sort()[this.pick % m.docs.size] as string;
    if (uniqueClash(m.docs, this.doc, id)) {
      await assert.rejects(r.col.replace(id, this.doc), UniqueConstraintError);
      return;
    }
    assert.equal(await r.col.replace(id, this.doc), true);
    m.docs.set(id, { ...this.doc, _id: id });
  }
  toString = (): string => `replace(${this.pick}, ${JSON.stringify(this.doc)})`;
}

class Delete implements Cmd {
  readonly pick: number;
  constructor(pick: number) { this.pick = pick; }
  check = (m: Readonly<Model>): boolean => m.docs.size > 0;
  async run(m: Model, r: Real): Promise<void> {
    const id = [...m.docs.keys()].sort()[this.pick % m.docs.size] as string;
    assert.equal(await r.col.delete(id), true);
    m.docs.delete(id);
    assert.equal(await r.col.get(id), undefined);
  }
  toString = (): string => `delete(${this.pick})`;
}

class DeleteMany implements Cmd {
  readonly query: Record<string, unknown>;
  constructor(query: Record<string, unknown>) { this.query = query; }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const doomed = reference(m.docs.values(), this.query, undefined, 0, Infinity);
    assert.equal(await r.col.deleteMany(this.query), doomed.length);
    for (const id of doomed) m.docs.delete(id);
  }
  toString = (): string => `deleteMany(${JSON.stringify(this.query)})`;
}

class Find implements Cmd {
  readonly query: Record<string, unknown>; readonly sort: Record<string, 1 | -1> | undefined; readonly skip: number; readonly limit: number;
  constructor(query: Record<string, unknown>, sort: Record<string, 1 | -1> | undefined, skip: number, limit: number) {
    this.query = query; this.sort = sort; this.skip = skip; this.limit = limit;
  }
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const got: string[] = [];
    for await (const d of r.col.find(this.query, { ...(this.sort === undefined ? {} : { sort: this.sort }), skip: this.skip, limit: this.limit })) got.push(d._id as string);
    const how = JSON.stringify(r.col.explain(this.query, this.sort === undefined ? {} : { sort: this.sort }));
    if (this.sort !== undefined) {
      assert.deepEqual(got, reference(m.docs.values(), this.query, this.sort, this.skip, this.limit), how);
    } else {
      // Without a sort the order is the plan's: compare as a set (skip/limit pick some of the matches).
      const all = reference(m.docs.values(), this.query, undefined, 0, Infinity);
      assert.equal(new Set(got).size, got.length, `no duplicates ${how}`);
      assert.ok(got.every((id) => all.includes(id)), `only matches ${how}`);
      assert.equal(got.length, Math.max(0, Math.min(this.limit, all.length - this.skip)), `count ${how}`);
    }
    assert.equal(await r.col.count(this.query), reference(m.docs.values(), this.query, undefined, 0, Infinity).length);
  }
  toString = (): string => `find(${JSON.stringify(this.query)}, ${JSON.stringify(this.sort)}, ${this.skip}, ${this.limit})`;
}

class CreateLateIndex implements Cmd {
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    await r.col.createIndex(LATE_INDEX);
  }
  toString = (): string => 'createIndex(late)';
}

class Reopen implements Cmd {
  check = (): boolean => true;
  async run(_m: Model, r: Real): Promise<void> {
    const store = await (r.handle.reopen as () => Promise<import('../../src/index.ts').Store>)();
    r.col = await Collection.open(store, r.name, { indexes: INDEXES });
  }
  toString = (): string => 'reopen()';
}

/** Every index holds exactly the entries its documents produce. */
async function checkIndexes(r: Real, m: Model): Promise<void> {
  const docs = r.handle.store.keyspace(NAMESPACE.DOCUMENTS);
  const collectionId = (r.col as unknown as { indexes(): Array<{ id: number }> }).indexes().length >= 0 ? await collectionIdOf(r) : 0;
  for (const index of r.col.indexes()) {
    const expected = [...m.docs.values()].flatMap((d) => indexEntries(collectionId, index, d, d._id as string).map(([k]) => Buffer.from(k).toString('hex'))).sort();
    const actual: string[] = [];
    for await (const [key] of docs.scan({ prefix: indexPrefix(collectionId, index.id) })) actual.push(Buffer.from(key).toString('hex'));
    assert.deepEqual(actual, expected, `index ${index.name}`);
  }
}

async function collectionIdOf(r: Real): Promise<number> {
  // The first document key of the collection reveals its id; with no documents, any id gives empty indexes.
  for await (const [key] of r.handle.store.keyspace(NAMESPACE.DOCUMENTS).scan({ prefix: new Uint8Array([0x01]), limit: 1 })) return new DataView(key.buffer, key.byteOffset).getUint32(1);
  return 1;
}

function commands(withReopen: boolean): Array<fc.Arbitrary<Cmd>> {
  const list: Array<fc.Arbitrary<Cmd>> = [
    docArb.map((d) => new Insert(d)), docArb.map((d) => new Insert(d)),
    fc.tuple(fc.nat(), fc.integer({ min: -2, max: 2 }), fc.constantFrom('p', 'q', 'r')).map(([p, b, t]) => new Update(p, b, t)),
    fc.tuple(fc.nat(), docArb).map(([p, d]) => new Replace(p, d)),
    fc.nat().map((p) => new Delete(p)),
    queryArb.map((q) => new DeleteMany(q)),
    fc.tuple(queryArb, sortArb, fc.nat(3), fc.constantFrom(Infinity, 1, 3, 10)).map(([q, s, skip, limit]) => new Find(q, s, skip, limit)),
    fc.tuple(queryArb, sortArb, fc.nat(3), fc.constantFrom(Infinity, 1, 3, 10)).map(([q, s, skip, limit]) => new Find(q, s, skip, limit)),
    fc.constant(new CreateLateIndex()),
  ];
  if (withReopen) list.push(fc.constant(new Reopen()));
  return list;
}

async function runModel(factory: StoreFactory, withReopen: boolean, numRuns: number): Promise<void> {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.commands(commands(withReopen), { maxCommands: 40, size: 'max' }), async (cmds) => {
      const handle = await factory();
      const name = `c${run++}`;
      const real: Real = { handle, col: await Collection.open(handle.store, name, { indexes: INDEXES }), name };
      const model: Model = { docs: new Map() };
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await checkIndexes(real, model);
      } finally {
        await handle.cleanup();
      }
    }),
    { numRuns },
  );
}

test('collections agree with an array model on memory stores', { timeout: 600_000 }, async () => {
  await runModel(memoryFactory(TINY), false, 200);
});

test('collections agree with the model across reopens on disk', { timeout: 600_000 }, async () => {
  await runModel(diskFactory(TINY), true, 25);
});
