/**
 * Liveness under failure and load: a failing flush must fail the writes
 * waiting on it with a typed error (never leave them hanging), writes must
 * resume once the fault clears, long operations must finish while writes
 * continue, and work outliving close must end in ClosedError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedError, InvalidArgumentError, NAMESPACE, StorageFullError, Store } from '../../../src/index.ts';
import { openMemoryBackend, type Backend } from '../../../src/engine/backend.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { Keyring } from '../../../src/keyring/keyring.ts';
import { text } from '../../helpers/stores.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test('writes waiting on a failing flush reject with its typed error, then resume when it heals', async () => {
  const inner = await openMemoryBackend();
  let failFlushes = true;
  const backend: Backend = {
    persistent: inner.persistent, location: inner.location,
    get: (k) => inner.get(k), getSync: (k) => inner.getSync(k), clear: (r) => inner.clear(r),
    entries: (r) => inner.entries(r), keys: (r) => inner.keys(r), compact: (r) => inner.compact(r),
    readHeader: () => inner.readHeader(), writeHeader: (h) => inner.writeHeader(h), close: () => inner.close(),
    readCloseMark: () => inner.readCloseMark(), writeCloseMark: (m) => inner.writeCloseMark(m), sideFiles: (a) => inner.sideFiles(a),
    // Flushes write multi-record synced batches; single commits are left alone.
    write: (ops, sync) => (failFlushes && sync && ops.length > 1 ? Promise.reject(new StorageFullError('write', new Error('ENOSPC'))) : inner.write(ops, sync)),
  };
  const engine = await Engine.open(backend, await Keyring.createEphemeral(), { memtableBytes: 4096, blockBytes: 1024, largeValueBytes: 512, cacheBytes: 1 << 20 });
  // Rounds of concurrent commits: each round is a commit group that freezes another memtable.
  const results: Array<PromiseSettledResult<number>> = [];
  for (let round = 0; round < 20; round++) {
    results.push(...(await Promise.allSettled(Array.from({ length: 10 }, (_, j) => engine.commit([{ key: utf8(`k${round * 10 + j}`), value: new Uint8Array(100) }], false)))));
  }
  const rejected = results.filter((r) => r.status === 'rejected');
  assert.ok(rejected.length > 0, 'backpressure met the failing flush');
  for (const r of rejected) assert.ok((r as PromiseRejectedResult).reason instanceof StorageFullError);
  failFlushes = false;
  await engine.commit([{ key: utf8('after'), value: utf8('healed') }], false);
  await engine.flush();
  const view = engine.view();
  assert.equal(text(engine.get(view, utf8('after'))), 'healed');
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') assert.equal(engine.get(view, utf8(`k${i}`))?.length, 100, `acknowledged k${i} kept`);
  });
  await engine.close({ flushAbove: 0 });
});

test('rotateKey finishes while a writer keeps committing', async () => {
  const store = await Store.memory({ memtableBytes: 8192 });
  for (let i = 0; i < 300; i++) await store.put(`seed${i}`, 'x'.repeat(40));
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing) await store.put(`w${written++}`, 'y'.repeat(40));
  })();
  await store.rotateKey();
  writing = false;
  await writer;
  assert.equal(store.stats().keyEpoch, 2);
  assert.ok(written > 0);
  assert.equal(text(await store.get(`w${written - 1}`)), 'y'.repeat(40));
  await store.close();
});

test('a transaction still running when the store closes gets ClosedError', async () => {
  const store = await Store.memory();
  await store.put('k', 'v');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const tx = store.transaction(async (t) => {
    await gate;
    return t.get('k');
  });
  await store.close();
  release();
  await assert.rejects(tx, ClosedError);
});

test('transaction and snapshot keyspace views validate the namespace', async () => {
  const store = await Store.memory();
  await store.transaction((tx) => {
    assert.throws(() => tx.keyspace(0x100 as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'ns');
    tx.keyspace(NAMESPACE.SYNC).put('ok', 'v');
  });
  const snap = store.snapshot();
  assert.throws(() => snap.keyspace('x' as never), InvalidArgumentError);
  assert.equal(text(await snap.keyspace(NAMESPACE.SYNC).get('ok')), 'v');
  await snap.close();
  await store.close();
});
