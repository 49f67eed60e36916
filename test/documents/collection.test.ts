/**
 * Collection behaviour beyond the model test: explain and index choice,
 * unique violations writing nothing, index creation with progress and
 * abort, validators, bad documents and options, transactions spanning
 * collections and KV data, and no plaintext on disk (field names, values,
 * collection and index names).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AbortedError, Collection, InvalidArgumentError, QueryError, Store, UniqueConstraintError } from '../../src/index.ts';
import { diskFactory, text } from '../helpers/stores.ts';
import { listFiles } from '../helpers/store-fixtures.ts';

test('explain picks the index with the longest equality prefix and serves the sort from it', async () => {
  const store = await Store.memory();
  const msgs = await Collection.open(store, 'messages', { indexes: [{ fields: ['chatId', 'sentAt'] }, { fields: ['sender'] }] });
  for (let i = 0; i < 60; i++) await msgs.insert({ chatId: `c${i % 3}`, sentAt: i, sender: `s${i % 4}` });
  assert.deepEqual(msgs.explain({ chatId: 'c1' }, { sort: { sentAt: -1 } }), {
    strategy: 'index', index: 'chatId_sentAt', equalityFields: 1, rangeOnNextField: false, ranges: 1, sortedByIndex: true,
    estimatedCost: '1 index range scan(s) + one read per match',
  });
  assert.equal(msgs.explain({ sender: 's1' }).index, 'sender');
  assert.equal(msgs.explain({ body: 'x' }).strategy, 'scan');
  const latest: number[] = [];
  for await (const m of msgs.find({ chatId: 'c1' }, { sort: { sentAt: -1 }, limit: 3, projection: { sentAt: 1, _id: 0 } })) latest.push(m.sentAt as number);
  assert.deepEqual(latest, [58, 55, 52]);
  await store.close();
});

test('a unique violation writes nothing, in insertMany too', async () => {
  const store = await Store.memory();
  const users = await Collection.open(store, 'users', { indexes: [{ fields: ['email'], unique: true, sparse: true }] });
  await users.insert({ email: 'a@x' });
  await assert.rejects(users.insertMany([{ email: 'b@x' }, { email: 'a@x' }]), (e: unknown) => e instanceof UniqueConstraintError && e.index === 'email' && e.collection === 'users');
  assert.equal(await users.count(), 1);
  await users.insert({ name: 'no email' });
  await users.insert({ name: 'no email either' });
  assert.equal(await users.count(), 3, 'a sparse unique index allows many documents without the field');
  await users.insert({ _id: 'fixed', name: 'first' });
  await assert.rejects(users.insert({ _id: 'fixed', name: 'second' }), (e: unknown) => e instanceof UniqueConstraintError && e.index === '_id' && e.existingId === 'fixed');
  assert.equal((await users.get('fixed'))?.name, 'first');
  const ids = await users.insertMany(Array.from({ length: 500 }, (_, i) => ({ n: i })));
  assert.equal(new Set(ids).size, 500, 'generated ids never collide, even within one millisecond');
  assert.deepEqual([...ids].sort(), ids, 'and they sort in insertion order');
  await store.close();
});

test('an index built on existing documents reports progress, can be aborted, and rejects duplicates for unique', async () => {
  const store = await Store.memory();
  const col = await Collection.open(store, 'items');
  for (let i = 0; i < 700; i++) await col.insert({ n: i % 50, k: i });
  const seen: number[] = [];
  await col.createIndex({ fields: ['n'] }, { onProgress: (p) => seen.push(p.done) });
  assert.equal(seen.at(-1), 700);
  assert.equal(col.explain({ n: 3 }).index, 'n');
  assert.equal(await col.count({ n: 3 }), 14);
  await assert.rejects(col.createIndex({ fields: ['k'], name: 'k' }, { signal: AbortSignal.abort() }), AbortedError);
  assert.ok(!col.indexes().some((ix) => ix.name === 'k'), 'an aborted build leaves no index');
  await assert.rejects(col.createIndex({ fields: ['n'], unique: true, name: 'n_unique' }), UniqueConstraintError);
  assert.ok(!col.indexes().some((ix) => ix.name === 'n_unique'));
  assert.equal(await col.dropIndex('n'), true);
  assert.equal(col.explain({ n: 3 }).strategy, 'scan');
  await store.close();
});

test('validators, bad documents and bad options get typed errors', async () => {
  const store = await Store.memory();
  const col = await Collection.open<{ age?: number }>(store, 'people', { validate: (d) => typeof d.age === 'number' });
  await assert.rejects(col.insert({}), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'doc');
  const cyclic: Record<string, unknown> = { age: 1 };
  cyclic.self = cyclic;
  for (const bad of [null, [], { age: 1, f: () => 1 }, { age: 1, s: Symbol('x') }, { age: NaN }, { age: 1, 'a.b': 1 }, { age: 1, $x: 1 }, cyclic, { age: 1, m: new Map() }, { age: 1, _id: 5 }]) {
    await assert.rejects(col.insert(bad as never), InvalidArgumentError, JSON.stringify(bad, (_k, v) => (typeof v === 'function' || typeof v === 'symbol' ? String(v) : v === cyclic ? '[cycle]' : v)));
  }
  const id = await col.insert({ age: 1 });
  await assert.rejects(col.update(id, { $set: { _id: 'x' } }), QueryError);
  await assert.rejects(col.update(id, { $rename: { a: 'b' } } as never), (e: unknown) => e instanceof QueryError && e.path === 'update.$rename');
  await assert.rejects(col.find({ age: { $bad: 1 } }).next(), (e: unknown) => e instanceof QueryError && e.path === 'age.$bad');
  await assert.rejects(col.find({}, { sort: { age: 2 as never } }).next(), QueryError);
  await assert.rejects(col.find({}, { limit: -1 }).next(), InvalidArgumentError);
  await assert.rejects(Collection.open(store, '', {}), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'name');
  await assert.rejects(Collection.open(store, 'x', { indexes: [{ fields: [] }] }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.indexes[0].fields');
  await assert.rejects(col.get(42 as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'id');
  await store.close();
});

test('one transaction changes two collections and KV data, or none of them', async () => {
  const store = await Store.memory();
  const accounts = await Collection.open(store, 'accounts');
  const ledger = await Collection.open(store, 'ledger', { indexes: [{ fields: ['account'] }] });
  const a = await accounts.insert({ balance: 100 });
  await store.transaction(async (tx) => {
    const acc = await accounts.in(tx).get(a);
    await accounts.in(tx).update(a, { $inc: { balance: -30 } });
    await ledger.in(tx).insert({ account: a, amount: -30, before: acc?.balance });
    tx.put('last-transfer', a);
  });
  await assert.rejects(store.transaction(async (tx) => {
    await accounts.in(tx).update(a, { $inc: { balance: -1000 } });
    await ledger.in(tx).insert({ account: a, amount: -1000 });
    throw new Error('insufficient funds');
  }), /insufficient funds/);
  assert.equal((await accounts.get(a))?.balance, 70);
  assert.equal(await ledger.count({ account: a }), 1);
  assert.equal(text(await store.get('last-transfer')), a);
  await store.close();
});

test('no field name, value, word, collection or index name reaches the disk in the clear', async () => {
  const handle = await diskFactory({ memtableBytes: 8192 })();
  const marker = randomBytes(16).toString('hex');
  const col = await Collection.open(handle.store, `coll_${marker}`, { indexes: [{ fields: [`field_${marker}`], name: `index_${marker}` }, { text: ['body'] }] });
  for (let i = 0; i < 300; i++) await col.insert({ [`field_${marker}`]: `value_${marker}_${i}`, body: `word${marker} ${i}` });
  await handle.store.flush();
  await handle.store.close();
  const needles = [marker, Buffer.from(marker, 'hex').toString('latin1')].map((m) => Buffer.from(m, 'latin1'));
  for (const file of await listFiles(handle.dir as string)) {
    const bytes = await readFile(file);
    for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${file} holds a marker`);
  }
  handle.store = await Store.open(handle.dir as string, { passphrase: 'test passphrase' });
  await handle.cleanup();
});

test('export then import round-trips documents, bytes and dates included, in any chunking', async () => {
  const store = await Store.memory();
  const source = await Collection.open(store, 'source', { indexes: [{ fields: ['n'] }] });
  const docs = Array.from({ length: 40 }, (_, i) => ({ n: i, raw: new Uint8Array([i, 255 - i]), at: new Date(1_700_000_000_000 + i), nested: { list: [i, 'x'] } }));
  await source.insertMany(docs);
  let ndjson = '';
  for await (const line of source.export({ n: { $lt: 30 } })) ndjson += line;
  assert.equal(ndjson.split('\n').filter(Boolean).length, 30);
  const target = await Collection.open(store, 'target', { indexes: [{ fields: ['n'] }] });
  const bytes = new TextEncoder().encode(`${ndjson}\n\n`);
  const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 500), bytes.subarray(500)];
  const progress: number[] = [];
  assert.equal(await target.import(chunks, { batchSize: 8, onProgress: (p) => progress.push(p.done) }), 30);
  assert.deepEqual(progress, [8, 16, 24, 30]);
  for await (const doc of source.find({ n: { $lt: 30 } })) assert.deepEqual(await target.get(doc._id as string), doc);
  assert.equal(await target.count({ n: 29 }), 1, 'imported documents are indexed');
  await assert.rejects(target.import(['{"n": 1}\n', 'not json\n']), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'line 2');
  await assert.rejects(target.import(['{"$bad": 1}\n']), (e: unknown) => e instanceof InvalidArgumentError && e.argument.startsWith('line 1'));
  await assert.rejects(target.import(42 as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'source');
  await store.close();
});

test('watch reports committed changes that match, and nothing from rolled-back transactions', async () => {
  const store = await Store.memory();
  const tasks = await Collection.open(store, 'tasks');
  const controller = new AbortController();
  const seen: Array<{ type: string; title: unknown }> = [];
  const watching = (async () => {
    for await (const change of tasks.watch({ project: 'p1' }, { signal: controller.signal })) {
      seen.push({ type: change.type, title: (change.doc ?? change.previous)?.title });
    }
  })();
  const id = await tasks.insert({ project: 'p1', title: 'write docs' });
  await tasks.insert({ project: 'p2', title: 'elsewhere' });
  await tasks.update(id, { $set: { done: true } });
  await assert.rejects(store.transaction(async (tx) => {
    await tasks.in(tx).insert({ project: 'p1', title: 'rolled back' });
    throw new Error('no');
  }), /no/);
  await store.transaction(async (tx) => {
    await tasks.in(tx).insert({ project: 'p1', title: 'in a transaction' });
  });
  await tasks.update(id, { $set: { project: 'p2' } });
  await tasks.delete(id);
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  await watching;
  assert.deepEqual(seen, [
    { type: 'insert', title: 'write docs' },
    { type: 'update', title: 'write docs' },
    { type: 'insert', title: 'in a transaction' },
    { type: 'update', title: 'write docs' },
  ], 'moving out of the query is reported (previous matched); the delete after it is not');
  await store.close();
});
