/**
 * Lock and unlock while running: `store.lock()` lets queued writes finish,
 * flushes the memtable, closes open iterators, snapshots and transactions,
 * empties the decrypted-block cache and wipes every key; every call then
 * rejects with UnlockRequiredError until `store.unlock(...)` with any slot's
 * credential. Nothing acknowledged is lost, and nothing is written in the clear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  ClosedError, Collection, InvalidArgumentError, KDF_FLOOR, Keyring, Store, UnlockRequiredError, WrongPassphraseError,
} from '../../src/index.ts';
import { openDiskBackend } from '../../src/engine/backend.ts';
import { Engine } from '../../src/engine/engine.ts';
import { findNeedles, markerNeedles, tempDir, withTimeout } from '../helpers/store-fixtures.ts';

const PASSPHRASE = 'lock test passphrase';
const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString());
const locked = (reason = 'manual') => (e: unknown): boolean => e instanceof UnlockRequiredError && e.code === 'SYN_UNLOCK_REQUIRED' && e.reason === reason;
const TUNING = { memtableBytes: 64 * 1024, blockBytes: 512 };

async function created(t: Parameters<typeof tempDir>[0], extra: object = {}): Promise<{ dir: string; store: Store; recoveryCode: string; appKey: Uint8Array }> {
  const dir = await tempDir(t, 'synapsed-lock-');
  const appKey = new Uint8Array(randomBytes(32));
  const { store, recoveryCode } = await Store.create(dir, { passphrase: PASSPHRASE, key: appKey, kdf: KDF_FLOOR, ...TUNING, ...extra });
  return { dir, store, recoveryCode: recoveryCode.reveal(), appKey };
}

test('a locked store refuses every call with UnlockRequiredError until unlocked, then serves the same data', async (t) => {
  const { store, appKey } = await created(t);
  for (let i = 0; i < 200; i++) await store.put(`k/${String(i).padStart(3, '0')}`, `v${i}`);
  await store.flush();
  await store.put('in-memtable', 'yes');
  const notes = await Collection.open(store, 'notes', { indexes: [{ fields: ['tag'] }] });
  await notes.insert({ _id: 'n1', tag: 'a' });
  assert.equal(text(await store.get('k/100')), 'v100');
  assert.ok(store.stats().cacheBytes > 0, 'control: a decrypted block is cached');
  assert.ok(store.stats().memtableBytes > 0, 'control: the memtable holds recent writes');

  await store.lock();
  assert.equal(store.locked, 'manual');
  await store.lock(); // idempotent
  const stats = store.stats();
  assert.equal(stats.cacheBytes, 0, 'decrypted blocks dropped');
  assert.equal(stats.memtableBytes, 0, 'memtable flushed to encrypted runs');
  const calls: Array<[string, () => unknown]> = [
    ['put', () => store.put('x', 'y')], ['get', () => store.get('k/001')], ['getSync', () => store.getSync('k/001')],
    ['delete', () => store.delete('k/001')], ['batch', () => store.batch([{ type: 'put', key: 'a', value: 'b' }])],
    ['scan', () => store.scan().next()], ['transaction', () => store.transaction(() => undefined)], ['snapshot', () => store.snapshot()],
    ['keySlots.list', () => store.keySlots.list()], ['keySlots.add', () => store.keySlots.add({ key: new Uint8Array(32) })],
    ['snapshots.create', () => store.snapshots.create('s')], ['snapshots.list', () => store.snapshots.list()], ['flush', () => store.flush()],
    ['rotateKey', () => store.rotateKey()], ['verify', () => store.verify()], ['resetRecoveryCode', () => store.resetRecoveryCode()],
    ['changePassphrase', () => store.changePassphrase(PASSPHRASE, 'x')], ['collection get', () => notes.get('n1')],
    ['collection find', () => notes.find({ tag: 'a' }).next()], ['collection insert', () => notes.insert({ tag: 'b' })],
  ];
  for (const [name, call] of calls) {
    await assert.rejects(async () => call(), locked(), name);
  }

  await assert.rejects(store.unlock({ key: new Uint8Array(randomBytes(32)) }), (e: unknown) => e instanceof WrongPassphraseError && e.credential === 'key');
  assert.equal(store.locked, 'manual', 'a wrong credential leaves it locked');
  await store.unlock({ key: appKey });
  assert.equal(store.locked, undefined);
  assert.equal(text(await store.get('k/199')), 'v199');
  assert.equal(text(await store.get('in-memtable')), 'yes');
  assert.deepEqual(await notes.get('n1'), { _id: 'n1', tag: 'a' });
  await store.put('after', 'unlock');
  await store.unlock({ passphrase: 'not even checked' }); // not locked: resolves at once
  let asked = 0;
  await store.unlock({ keyProvider: async () => (asked++, appKey) });
  assert.equal(asked, 0, 'no keychain prompt when there is nothing to unlock');
  await store.close();
});

test('every kind of slot unlocks: passphrase, recovery code, raw key, key provider', async (t) => {
  const { store, recoveryCode, appKey } = await created(t);
  await store.put('k', 'v');
  for (const credential of [{ passphrase: PASSPHRASE }, { recoveryCode }, { key: appKey }, { keyProvider: async () => appKey }]) {
    await store.lock();
    await assert.rejects(store.get('k'), locked());
    await store.unlock(credential);
    assert.equal(text(await store.get('k')), 'v', Object.keys(credential)[0]);
  }
  await assert.rejects(store.unlock({} as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'credential.passphrase');
  await assert.rejects(store.unlock({ key: new Uint8Array(3) }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'credential.key');
  await store.close();
  await assert.rejects(store.lock(), ClosedError);
  await assert.rejects(store.unlock({ key: appKey }), ClosedError);
});

test('writes queued before the lock finish and are kept; writes after it are refused', async (t) => {
  const { dir, store, appKey } = await created(t);
  const pending = Array.from({ length: 300 }, (_, i) => store.put(`queued/${i}`, `value ${i}`));
  const locking = store.lock();
  await assert.rejects(store.put('too-late', 'x'), locked());
  const results = await Promise.allSettled(pending);
  assert.deepEqual(results.filter((r) => r.status === 'rejected'), [], 'every write issued before lock() is acknowledged');
  await locking;
  await store.close(); // closing a locked store works (no keys needed)
  const reopened = await Store.open(dir, { key: appKey });
  for (let i = 0; i < 300; i++) assert.equal(text(await reopened.get(`queued/${i}`)), `value ${i}`);
  assert.equal(await reopened.get('too-late'), undefined);
  await reopened.close();
});

test('open iterators, snapshots and transactions fail cleanly at the lock and stay closed after the unlock', async (t) => {
  const { store, appKey } = await created(t);
  for (let i = 0; i < 50; i++) await store.put(`k/${String(i).padStart(2, '0')}`, `v${i}`);
  const iterator = store.scan();
  assert.equal(text((await iterator.next()).value?.[0]), 'k/00');
  const snapshot = store.snapshot();
  assert.equal(text(await snapshot.get('k/01')), 'v1');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const inside = new Promise<void>((resolve) => (started = resolve));
  const tx = store.transaction(async (txn) => {
    await txn.get('k/02');
    started();
    await gate;
    await txn.get('k/03');
    txn.put('from-tx', 'never');
  });
  await inside;

  await store.lock();
  await assert.rejects(iterator.next(), locked());
  await assert.rejects(snapshot.get('k/01'), locked());
  release();
  await assert.rejects(tx, locked());

  await store.unlock({ key: appKey });
  const resumed = store.scan();
  await assert.rejects(snapshot.get('k/01'), ClosedError, 'a snapshot closed by the lock stays closed');
  const again = store.scan({ prefix: 'k/' });
  let n = 0;
  for await (const _ of again) n++;
  assert.equal(n, 50, 'new scans work');
  await resumed.return(undefined);
  assert.equal(await store.get('from-tx'), undefined, 'the interrupted transaction wrote nothing');
  await store.close();
});

test('an iterator opened before a lock cannot be resumed after the unlock', async (t) => {
  const { store, appKey } = await created(t);
  for (let i = 0; i < 20; i++) await store.put(`k/${i}`, `v${i}`);
  const iterator = store.scan();
  await iterator.next();
  await store.lock();
  await store.unlock({ key: appKey });
  await assert.rejects(iterator.next(), ClosedError);
  await store.close();
});

test('autoLock locks after idleMs of inactivity by the injected clock; calls postpone it; unlock restarts it', async (t) => {
  let now = 1_000_000;
  let onLock!: () => void;
  let lockedAgain = new Promise<void>((resolve) => (onLock = resolve));
  const { store, appKey } = await created(t, { clock: () => now, autoLock: { idleMs: 20, onLock: () => onLock() } });
  await store.put('k', 'v');
  // The clock is frozen: however long real time runs, no idle time passes.
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(store.locked, undefined, 'no lock while the clock stands still');
  now += 15;
  await store.get('k'); // activity at +15
  now += 15; // 15 ms after the last call: still not idle long enough
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(store.locked, undefined, 'a call postponed the lock');
  now += 10; // 25 ms idle
  // The auto-lock timer is unref'd (it must not keep an app alive): withTimeout's timer keeps the test alive.
  await withTimeout(lockedAgain, 30_000, 'auto-lock');
  assert.equal(store.locked, 'idle');
  await assert.rejects(store.get('k'), locked('idle'));

  lockedAgain = new Promise<void>((resolve) => (onLock = resolve));
  await store.unlock({ key: appKey });
  assert.equal(text(await store.get('k')), 'v');
  now += 100;
  await withTimeout(lockedAgain, 30_000, 'auto-lock after unlock');
  assert.equal(store.locked, 'idle', 'the countdown restarted after the unlock');
  await store.close();
});

test('lock is refused on memory stores; autoLock options are validated', async (t) => {
  const memory = await Store.memory();
  await assert.rejects(memory.lock(), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'store');
  await memory.close();
  const dir = await tempDir(t, 'synapsed-lock-');
  for (const [autoLock, argument] of [[{ idleMs: 0 }, 'options.autoLock.idleMs'], [{}, 'options.autoLock.idleMs'], [5, 'options.autoLock'], [{ idleMs: 5, onLock: 1 }, 'options.autoLock.onLock']] as const) {
    await assert.rejects(Store.create(dir, { key: new Uint8Array(32), autoLock: autoLock as never }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument, argument);
  }
});

test('the lock wipes the keyring, data keys and block cache of the engine', async (t) => {
  const dir = await tempDir(t, 'synapsed-lock-');
  const { keyring } = await Keyring.create({ passphrase: PASSPHRASE, kdf: KDF_FLOOR });
  const backend = await openDiskBackend(dir);
  await backend.writeHeader(keyring.header());
  const engine = await Engine.open(backend, keyring, { memtableBytes: 4096, cacheBytes: 1 << 20, blockBytes: 256, largeValueBytes: 64 });
  try {
    await lockAndCheck(engine, backend, keyring);
  } finally {
    await engine.close({ flushAbove: Infinity });
    await backend.close();
  }
});

async function lockAndCheck(engine: Engine, backend: Awaited<ReturnType<typeof openDiskBackend>>, keyring: Keyring): Promise<void> {
  const dataKey = keyring.dataKey(1);
  await engine.commit([{ key: new Uint8Array([1, 2, 3]), value: new Uint8Array(100) }], false);
  await engine.flush();
  assert.ok(engine.get(engine.view(), new Uint8Array([1, 2, 3])) !== undefined);
  assert.ok(engine.cache.bytes > 0, 'a block was decrypted and cached');
  await engine.lock('manual');
  assert.equal(dataKey.wiped, true, 'the data key is zeroed');
  assert.throws(() => dataKey.bytes, TypeError);
  assert.equal(engine.cache.bytes, 0);
  assert.throws(() => engine.cipher.keyring, locked());
  assert.throws(() => engine.get(engine.view(), new Uint8Array([1, 2, 3])), locked(), 'no decryption without keys');
  const { keyring: fresh } = await Keyring.unlock(await backend.readHeader(), { passphrase: PASSPHRASE });
  engine.unlock(fresh);
  assert.equal(engine.get(engine.view(), new Uint8Array([1, 2, 3]))?.length, 100);
}

test('nothing written around a lock reaches the disk in the clear', async (t) => {
  const { dir, store, appKey } = await created(t);
  const marker = randomBytes(16);
  for (let i = 0; i < 50; i++) await store.put(`m/${marker.toString('hex')}/${i}`, Buffer.concat([marker, Buffer.from(String(i))]));
  await store.lock(); // flushes the memtable to sealed runs
  assert.deepEqual(await findNeedles(dir, markerNeedles(marker, 'marker')), [], 'while locked');
  await store.unlock({ key: appKey });
  await store.put(`after/${marker.toString('hex')}`, marker);
  await store.close();
  assert.deepEqual(await findNeedles(dir, markerNeedles(marker, 'marker')), [], 'after close');
});
