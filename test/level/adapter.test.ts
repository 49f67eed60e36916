/**
 * What the official suite does not cover: store lifetimes (borrowed,
 * factory on disk, factory in memory), error translation with the engine
 * error as `cause`, chunked `clear()`, foreign snapshots, and option checks.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClosedError, InvalidArgumentError, KDF_FLOOR, MAX_KEY_BYTES, MAX_VALUE_BYTES, Store, StoreLockedError, ValueTooLargeError,
} from '../../src/index.ts';
import { LevelError, SynapsedLevel } from '../../src/level/index.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh disk store directory and a factory that opens it with its recovery code. */
async function diskStore(): Promise<{ dir: string; open: () => Promise<Store> }> {
  const dir = await mkdtemp(join(tmpdir(), 'synapsed-level-adapter-'));
  dirs.push(dir);
  const { store, recoveryCode } = await Store.create(dir, { passphrase: 'adapter test', kdf: KDF_FLOOR });
  await store.close();
  const code = recoveryCode.reveal();
  return { dir, open: () => Store.open(dir, { recoveryCode: code }) };
}

/** The error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected a rejection');
}

test('a disk factory store is closed with the database, releasing its lock, and reopened by the factory', async () => {
  const disk = await diskStore();
  const db = new SynapsedLevel({ store: disk.open, permanence: true });
  assert.equal(db.supports.permanence, true);
  await db.put('a', '1', { sync: true } as object);
  await db.close();

  const direct = await disk.open();
  assert.deepEqual(await direct.get('a'), new TextEncoder().encode('1'));
  await direct.close();

  await db.open();
  assert.equal(await db.get('a'), '1');
  await db.close();
});

test('a second database on a locked store fails to open with LEVEL_LOCKED, caused by StoreLockedError', async () => {
  const disk = await diskStore();
  const first = new SynapsedLevel({ store: disk.open, permanence: true });
  await first.open();
  const second = new SynapsedLevel({ store: disk.open, permanence: true });
  const error = await failure(second.open());
  assert.equal(error.code, 'LEVEL_DATABASE_NOT_OPEN');
  assert.ok(error.cause instanceof LevelError);
  assert.equal(error.cause.code, 'LEVEL_LOCKED');
  assert.ok(error.cause.cause instanceof StoreLockedError);
  await first.close();
});

test('a borrowed store stays open after the database closes, and its data stays visible on reopen', async () => {
  const store = await Store.memory();
  const db = new SynapsedLevel({ store });
  assert.equal(db.supports.permanence, false);
  await db.put('a', '1');
  await db.close();
  assert.deepEqual(await store.get('a'), new TextEncoder().encode('1'));
  await db.open();
  assert.equal(await db.get('a'), '1');
  await db.close();
  await store.close();
});

test('a borrowed disk store makes the database permanent', async () => {
  const disk = await diskStore();
  const store = await disk.open();
  const db = new SynapsedLevel({ store });
  assert.equal(db.supports.permanence, true);
  await db.close();
  await store.close();
});

test('a memory factory keeps its store, and data, across close and open', async () => {
  let calls = 0;
  const db = new SynapsedLevel({ store: () => (calls++, Store.memory()) });
  await db.put('a', '1');
  await db.close();
  await db.open();
  assert.equal(await db.get('a'), '1');
  assert.equal(calls, 1);
  await db.close();
});

test('claiming permanence for a memory factory fails to open', async () => {
  const db = new SynapsedLevel({ store: () => Store.memory(), permanence: true });
  const error = await failure(db.open());
  assert.equal(error.code, 'LEVEL_DATABASE_NOT_OPEN');
  assert.ok(error.cause instanceof InvalidArgumentError);
  assert.equal(error.cause.argument, 'options.permanence');
});

test('a factory that does not return a Store fails to open with InvalidArgumentError as cause', async () => {
  const db = new SynapsedLevel({ store: async () => ({}) as Store });
  const error = await failure(db.open());
  assert.equal(error.code, 'LEVEL_DATABASE_NOT_OPEN');
  assert.ok(error.cause instanceof InvalidArgumentError);
  assert.equal(error.cause.argument, 'options.store');
});

test('bad constructor options throw InvalidArgumentError', () => {
  assert.throws(() => new SynapsedLevel({} as never), (e) => e instanceof InvalidArgumentError && e.argument === 'options.store');
  assert.throws(() => new SynapsedLevel(undefined as never), (e) => e instanceof InvalidArgumentError && e.argument === 'options.store');
  assert.throws(
    () => new SynapsedLevel({ store: () => Store.memory(), permanence: 'yes' as never }),
    (e) => e instanceof InvalidArgumentError && e.argument === 'options.permanence',
  );
});

test('engine size limits surface as LEVEL_INVALID_KEY and LEVEL_INVALID_VALUE, caused by ValueTooLargeError', async () => {
  const db = new SynapsedLevel<Uint8Array, Uint8Array>({ store: () => Store.memory(), keyEncoding: 'view', valueEncoding: 'view' });
  const bigKey = await failure(db.put(new Uint8Array(MAX_KEY_BYTES + 1), new Uint8Array(1)));
  assert.equal(bigKey.code, 'LEVEL_INVALID_KEY');
  assert.ok(bigKey.cause instanceof ValueTooLargeError);
  const bigValue = await failure(db.batch([{ type: 'put', key: new Uint8Array(1), value: new Uint8Array(MAX_VALUE_BYTES + 1) }]));
  assert.equal(bigValue.code, 'LEVEL_INVALID_VALUE');
  assert.ok(bigValue.cause instanceof ValueTooLargeError);
  await db.close();
});

test('a borrowed store closed under the database surfaces as LEVEL_DATABASE_NOT_OPEN, caused by ClosedError', async () => {
  const store = await Store.memory();
  const db = new SynapsedLevel({ store });
  await db.open();
  await store.close();
  for (const attempt of [db.get('a'), db.put('a', '1'), db.clear()]) {
    const error = await failure(attempt);
    assert.equal(error.code, 'LEVEL_DATABASE_NOT_OPEN');
    assert.ok(error.cause instanceof ClosedError);
  }
  // iterator() is synchronous, so it throws instead of rejecting.
  assert.throws(() => db.iterator(), (e: LevelError) => e.code === 'LEVEL_DATABASE_NOT_OPEN' && e.cause instanceof ClosedError);
  await db.close();
});

test('get() reads at call time: a write issued right after it is not seen', async () => {
  const db = new SynapsedLevel({ store: () => Store.memory() });
  await db.put('k', 'old');
  const read = db.get('k');
  const write = db.put('k', 'new');
  assert.equal(await read, 'old');
  await write;
  assert.equal(await db.get('k'), 'new');
  await db.close();
});

test('clear() deletes ranges larger than one chunk, honouring limit and reverse', async () => {
  const db = new SynapsedLevel({ store: () => Store.memory() });
  const key = (i: number): string => `k${String(i).padStart(4, '0')}`;
  await db.batch(Array.from({ length: 3000 }, (_, i) => ({ type: 'put' as const, key: key(i), value: 'v' })));
  // The last 2100 keys of [k0100, k2600): k0500 .. k2599.
  await db.clear({ gte: key(100), lt: key(2600), reverse: true, limit: 2100 });
  const left = await db.keys().all();
  assert.equal(left.length, 900);
  assert.equal(left[499], key(499));
  assert.equal(left[500], key(2600));
  await db.clear();
  assert.deepEqual(await db.keys().all(), []);
  await db.close();
});

test('seek() on an explicit snapshot ignores later writes', async () => {
  const db = new SynapsedLevel({ store: () => Store.memory() });
  await db.batch([{ type: 'put', key: 'a', value: '1' }, { type: 'put', key: 'c', value: '3' }]);
  const snapshot = db.snapshot();
  await db.put('b', '2');
  const iterator = db.iterator({ snapshot });
  iterator.seek('b');
  assert.deepEqual(await iterator.all(), [['c', '3']]);
  await snapshot.close();
  await db.close();
});

test('a snapshot of another database is refused', async () => {
  const one = new SynapsedLevel({ store: () => Store.memory() });
  const two = new SynapsedLevel({ store: () => Store.memory() });
  await Promise.all([one.open(), two.open()]);
  const snapshot = one.snapshot();
  const error = await failure(two.get('a', { snapshot }));
  assert.ok(error instanceof InvalidArgumentError);
  assert.equal(error.code, 'SYN_INVALID_ARGUMENT');
  assert.throws(() => two.iterator({ snapshot }), InvalidArgumentError);
  await snapshot.close();
  await Promise.all([one.close(), two.close()]);
});

test('sublevel snapshots are accepted by the root database', async () => {
  const db = new SynapsedLevel({ store: () => Store.memory() });
  const sub = db.sublevel('s');
  await sub.put('a', '1');
  const snapshot = sub.snapshot();
  await sub.put('a', '2');
  assert.equal(await sub.get('a', { snapshot }), '1');
  assert.equal(await db.get('!s!a', { snapshot }), '1');
  await snapshot.close();
  await db.close();
});
