/**
 * The Store conformance suite: one set of behaviours every configuration
 * must show, run by `*.test.ts` files against memory and disk stores and
 * against variants that force flushes, merges, tiny blocks, large-value
 * records and cache misses. `supports` gates what a backend cannot do
 * (reopen, passphrase change on a memory store).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortedError, ClosedError, InvalidArgumentError, TransactionConflictError, ValueTooLargeError, WrongPassphraseError,
  MAX_KEY_BYTES, MAX_VALUE_BYTES, Store, KDF_FLOOR, NAMESPACE,
} from '../../src/index.ts';
import { bytes, collect, text, type StoreFactory, TEST_PASSPHRASE } from '../helpers/stores.ts';

export interface Supports {
  /** The store survives close and reopen. */
  readonly reopen: boolean;
}

const pad = (n: number): string => String(n).padStart(4, '0');

export function runStorageSuite(name: string, factory: StoreFactory, supports: Supports): void {
  const withStore = (title: string, fn: (h: Awaited<ReturnType<StoreFactory>>) => Promise<void>, options?: { skip?: boolean }): void => {
    test(title, { skip: options?.skip === true }, async () => {
      const handle = await factory();
      try {
        await fn(handle);
      } finally {
        await handle.cleanup();
      }
    });
  };

  describe(`Store conformance: ${name}`, () => {
    withStore('put then get returns the value; strings are UTF-8; overwrite and delete work', async ({ store }) => {
      await store.put('a', 'one');
      await store.put(bytes('b'), new Uint8Array([0, 255, 7]));
      assert.equal(text(await store.get('a')), 'one');
      assert.deepEqual(await store.get('b'), new Uint8Array([0, 255, 7]));
      await store.put('a', 'two');
      assert.equal(text(await store.get('a')), 'two');
      await store.delete('a');
      assert.equal(await store.get('a'), undefined);
      assert.equal(await store.has('b'), true);
      assert.deepEqual(store.getSync('b'), new Uint8Array([0, 255, 7]));
      assert.equal(store.getSync('a'), undefined);
      assert.equal(await store.has('a'), false);
      await store.delete('never-written');
    });

    withStore('returned values are copies: mutating them or the input does not change the store', async ({ store }) => {
      const input = bytes('value');
      await store.put('k', input);
      input[0] = 0;
      const out = (await store.get('k')) as Uint8Array;
      assert.equal(text(out), 'value');
      out[0] = 0;
      assert.equal(text(await store.get('k')), 'value');
    });

    withStore('getMany answers in order with undefined for missing keys', async ({ store }) => {
      await store.batch([{ type: 'put', key: 'x', value: '1' }, { type: 'put', key: 'z', value: '3' }]);
      assert.deepEqual((await store.getMany(['z', 'y', 'x'])).map(text), ['3', undefined, '1']);
      assert.deepEqual(await store.getMany([]), []);
    });

    withStore('a batch applies puts and deletes together; an invalid operation writes nothing', async ({ store }) => {
      await store.put('gone', 'x');
      await store.batch([{ type: 'put', key: 'k1', value: 'v1' }, { type: 'del', key: 'gone' }, { type: 'put', key: 'k2', value: 'v2' }]);
      assert.deepEqual((await store.getMany(['k1', 'gone', 'k2'])).map(text), ['v1', undefined, 'v2']);
      await assert.rejects(
        store.batch([{ type: 'put', key: 'k3', value: 'v3' }, { type: 'put', key: 'k4', value: 42 as never }]),
        (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'operations[1].value',
      );
      assert.equal(await store.get('k3'), undefined);
      await store.batch([]);
    });

    withStore('scan honours prefix, bounds, reverse and limit, in byte order', async ({ store }) => {
      const keys: string[] = [];
      for (let i = 0; i < 300; i++) keys.push(`${i % 3 === 0 ? 'a' : 'b'}/${pad(i)}`);
      await store.batch(keys.map((key) => ({ type: 'put' as const, key, value: `v${key}` })));
      for (let i = 0; i < 300; i += 7) await store.delete(keys[i] as string);
      const live = keys.filter((_, i) => i % 7 !== 0).sort();
      const expect = (filter: (k: string) => boolean, reverse = false, limit = Infinity): Array<[string, string]> => {
        const hits = live.filter(filter);
        if (reverse) hits.reverse();
        return hits.slice(0, limit).map((k) => [k, `v${k}`]);
      };
      assert.deepEqual(await collect(store.scan()), expect(() => true));
      assert.deepEqual(await collect(store.scan({ prefix: 'a/' })), expect((k) => k.startsWith('a/')));
      assert.deepEqual(await collect(store.scan({ prefix: 'b/', reverse: true, limit: 5 })), expect((k) => k.startsWith('b/'), true, 5));
      assert.deepEqual(await collect(store.scan({ gt: 'a/0099', lte: 'b/0050' })), expect((k) => k > 'a/0099' && k <= 'b/0050'));
      assert.deepEqual(await collect(store.scan({ gte: 'a/0102', lt: 'a/0200', reverse: true })), expect((k) => k >= 'a/0102' && k < 'a/0200', true));
      assert.deepEqual(await collect(store.scan({ prefix: 'a/', gte: 'a/0150', limit: 3 })), expect((k) => k.startsWith('a/') && k >= 'a/0150', false, 3));
      assert.deepEqual(await collect(store.scan({ gt: 'b', lt: 'a' })), []);
      assert.deepEqual(await collect(store.scan({ limit: 0 })), []);
    });

    withStore('a scan sees the data as of its start, while writes go on', async ({ store }) => {
      await store.batch(Array.from({ length: 200 }, (_, i) => ({ type: 'put' as const, key: `k${pad(i)}`, value: 'old' })));
      const seen: Array<[string, string]> = [];
      let i = 0;
      for await (const [k, v] of store.scan()) {
        seen.push([text(k) as string, text(v) as string]);
        if (i++ % 10 === 0) await store.batch([{ type: 'put', key: `k${pad(i + 5)}`, value: 'new' }, { type: 'put', key: `k${pad(i)}x`, value: 'new' }]);
      }
      assert.equal(seen.length, 200);
      assert.ok(seen.every(([, v]) => v === 'old'));
    });

    withStore('a snapshot keeps reading the old state and fails once closed', async ({ store }) => {
      await store.put('k', 'before');
      await store.put('gone', 'here');
      const snap = store.snapshot();
      await store.put('k', 'after');
      await store.delete('gone');
      await store.put('new', 'x');
      await store.flush();
      assert.equal(text(await snap.get('k')), 'before');
      assert.equal(text(snap.getSync('k')), 'before');
      assert.equal(text(await snap.get('gone')), 'here');
      assert.equal(await snap.get('new'), undefined);
      assert.deepEqual(await collect(snap.scan()), [['gone', 'here'], ['k', 'before']]);
      assert.equal(text(await store.get('k')), 'after');
      await snap.close();
      await snap.close();
      await assert.rejects(snap.get('k'), (e: unknown) => e instanceof ClosedError && e.code === 'SYN_CLOSED');
    });

    withStore('a transaction reads its own writes and commits them atomically', async ({ store }) => {
      await store.put('balance/a', '100');
      await store.put('balance/b', '0');
      const result = await store.transaction(async (tx) => {
        const a = Number(text(await tx.get('balance/a')));
        tx.put('balance/a', String(a - 30));
        tx.put('balance/b', '30');
        assert.equal(text(await tx.get('balance/a')), '70');
        tx.delete('balance/b');
        assert.equal(await tx.get('balance/b'), undefined);
        tx.put('balance/b', '30');
        assert.deepEqual(await collect(tx.scan({ prefix: 'balance/' })), [['balance/a', '70'], ['balance/b', '30']]);
        return 'done';
      });
      assert.equal(result, 'done');
      assert.deepEqual((await store.getMany(['balance/a', 'balance/b'])).map(text), ['70', '30']);
    });

    withStore('a throw inside a transaction rolls everything back', async ({ store }) => {
      await store.put('k', 'kept');
      await assert.rejects(store.transaction(async (tx) => {
        tx.put('k', 'lost');
        tx.put('other', 'lost');
        throw new Error('boom');
      }), /boom/);
      assert.equal(text(await store.get('k')), 'kept');
      assert.equal(await store.get('other'), undefined);
    });

    withStore('concurrent read-modify-write transactions never lose an increment', async ({ store }) => {
      await store.put('counter', '0');
      const increment = (): Promise<void> => store.transaction(async (tx) => {
        const n = Number(text(await tx.get('counter')));
        await new Promise((resolve) => setImmediate(resolve));
        tx.put('counter', String(n + 1));
      }, { maxAttempts: 100 });
      await Promise.all(Array.from({ length: 20 }, increment));
      assert.equal(text(await store.get('counter')), '20');
    });

    withStore('a transaction that starts while a write is in flight does not overwrite it', async ({ store }) => {
      await store.put('k', 'old');
      // Not awaited: its batch is being written while the transaction below pins its view and reads.
      const write = store.put('k', 'new');
      const tx = store.transaction(async (t) => {
        const seen = text(await t.get('k'));
        t.put('k', `${seen}+tx`);
      });
      await Promise.all([write, tx]);
      assert.equal(text(await store.get('k')), 'new+tx');
    });

    withStore('a transaction whose scanned range changed under it retries', async ({ store }) => {
      await store.put('items/1', 'x');
      let attempts = 0;
      await store.transaction(async (tx) => {
        attempts++;
        const count = (await collect(tx.scan({ prefix: 'items/' }))).length;
        if (attempts === 1) await store.put('items/2', 'y');
        tx.put('count', String(count));
      });
      assert.equal(attempts, 2);
      assert.equal(text(await store.get('count')), '2');
    });

    withStore('a transaction that keeps conflicting gives TransactionConflictError', async ({ store }) => {
      await store.put('hot', '0');
      await assert.rejects(store.transaction(async (tx) => {
        await tx.get('hot');
        await store.put('hot', String(Math.random()));
        tx.put('hot', 'mine');
      }, { maxAttempts: 3 }), (e: unknown) => e instanceof TransactionConflictError && e.code === 'SYN_TRANSACTION_CONFLICT' && e.attempts === 3);
    });

    withStore('an aborted transaction commits nothing and rejects with AbortedError', async ({ store }) => {
      const controller = new AbortController();
      await assert.rejects(store.transaction(async (tx) => {
        tx.put('k', 'v');
        controller.abort();
      }, { signal: controller.signal }), AbortedError);
      assert.equal(await store.get('k'), undefined);
      await assert.rejects(store.transaction(() => undefined, { signal: AbortSignal.abort() }), AbortedError);
    });

    withStore('one transaction can hold 100,000 writes', async ({ store }) => {
      await store.transaction((tx) => {
        for (let i = 0; i < 100_000; i++) tx.put(`bulk/${String(i).padStart(6, '0')}`, 'v');
      });
      let n = 0;
      for await (const _ of store.scan({ prefix: 'bulk/' })) n++;
      assert.equal(n, 100_000);
      assert.equal(text(await store.get('bulk/099999')), 'v');
    });

    withStore('values up to 16 MiB and keys up to 64 KiB are stored; larger ones are refused', async ({ store }) => {
      const big = new Uint8Array(MAX_VALUE_BYTES).fill(7);
      const longKey = new Uint8Array(MAX_KEY_BYTES).fill(65);
      await store.put(longKey, big);
      await store.flush();
      const back = (await store.get(longKey)) as Uint8Array;
      assert.equal(back.length, MAX_VALUE_BYTES);
      assert.ok(back.every((b) => b === 7));
      await assert.rejects(store.put('k', new Uint8Array(MAX_VALUE_BYTES + 1)), (e: unknown) => e instanceof ValueTooLargeError && e.argument === 'value');
      await assert.rejects(store.put(new Uint8Array(MAX_KEY_BYTES + 1), 'v'), (e: unknown) => e instanceof ValueTooLargeError && e.argument === 'key');
    });

    withStore('data stays right through many flushes and merges', async ({ store }) => {
      const model = new Map<string, string>();
      for (let round = 0; round < 12; round++) {
        const ops = [];
        for (let i = 0; i < 120; i++) {
          const key = `k${pad((round * 37 + i * 11) % 500)}`;
          if ((round + i) % 9 === 0) {
            ops.push({ type: 'del' as const, key });
            model.delete(key);
          } else {
            const value = `${key}@${round}`.repeat(1 + (i % 3) * 20);
            ops.push({ type: 'put' as const, key, value });
            model.set(key, value);
          }
        }
        await store.batch(ops);
        if (round % 3 === 0) await store.flush();
      }
      const expected = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      assert.deepEqual(await collect(store.scan()), expected);
      for (const [k, v] of expected.slice(0, 50)) assert.equal(text(await store.get(k)), v);
      assert.ok(store.stats().flushes >= 4);
    });

    withStore('keyspaces are isolated from the user keyspace and from each other, edge keys included', async ({ store }) => {
      const docs = store.keyspace(NAMESPACE.DOCUMENTS);
      const series = store.keyspace(NAMESPACE.TIMESERIES);
      await store.batch([{ type: 'put', key: '', value: 'user-empty' }, { type: 'put', key: new Uint8Array([0xff, 0xff]), value: 'user-ff' }]);
      await docs.batch([{ type: 'put', key: '', value: 'doc-empty' }, { type: 'put', key: 'x', value: 'doc-x' }, { type: 'put', key: new Uint8Array([0xff]), value: 'doc-ff' }]);
      await series.put('x', 'series-x');
      await store.flush();
      assert.deepEqual(await collect(store.scan()), [['', 'user-empty'], ['\ufffd\ufffd', 'user-ff']]);
      assert.deepEqual((await collect(docs.scan())).map(([, v]) => v), ['doc-empty', 'doc-x', 'doc-ff']);
      assert.deepEqual((await collect(docs.scan({ reverse: true, limit: 1 }))).map(([, v]) => v), ['doc-ff']);
      assert.deepEqual(await collect(series.scan()), [['x', 'series-x']]);
      assert.equal(await store.get('x'), undefined);
      assert.equal(text(await docs.get('x')), 'doc-x');
      await assert.rejects(async () => store.keyspace(0x42 as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'ns');
    });

    withStore('one transaction writes several keyspaces atomically, and a snapshot reads them at one moment', async ({ store }) => {
      const docs = store.keyspace(NAMESPACE.DOCUMENTS);
      await store.transaction(async (tx) => {
        tx.put('kv', '1');
        tx.keyspace(NAMESPACE.DOCUMENTS).put('doc', '1');
        assert.equal(text(await tx.keyspace(NAMESPACE.DOCUMENTS).get('doc')), '1');
        assert.equal(await tx.get('doc'), undefined);
      });
      const snap = store.snapshot();
      await assert.rejects(store.transaction(async (tx) => {
        tx.put('kv', '2');
        tx.keyspace(NAMESPACE.DOCUMENTS).put('doc', '2');
        throw new Error('abort both');
      }), /abort both/);
      await store.transaction(async (tx) => {
        tx.put('kv', '3');
        tx.keyspace(NAMESPACE.DOCUMENTS).put('doc', '3');
      });
      assert.deepEqual([text(await store.get('kv')), text(await docs.get('doc'))], ['3', '3']);
      assert.deepEqual([text(await snap.get('kv')), text(await snap.keyspace(NAMESPACE.DOCUMENTS).get('doc'))], ['1', '1']);
      await snap.close();
      await assert.rejects(snap.keyspace(NAMESPACE.DOCUMENTS).get('doc'), ClosedError);
    });

    withStore('every method of a closed store rejects with ClosedError; close is idempotent', async ({ store }) => {
      await store.close();
      await store.close();
      const calls: Array<() => Promise<unknown>> = [
        () => store.put('k', 'v'), () => store.get('k'), () => store.getMany(['k']), () => store.delete('k'),
        () => store.batch([{ type: 'put', key: 'k', value: 'v' }]), () => store.scan().next(), () => store.transaction(() => undefined),
        async () => store.snapshot(), () => store.flush(), () => store.snapshots.create('x'), () => store.rotateKey(),
      ];
      for (const call of calls) await assert.rejects(call(), (e: unknown) => e instanceof ClosedError);
    });

    withStore('rotateKey moves to a new epoch, reports progress, and keeps every value readable', async (handle) => {
      const { store } = handle;
      for (let i = 0; i < 300; i++) await store.put(`r${pad(i)}`, `value ${i}`);
      await store.flush();
      const progress: number[] = [];
      await store.rotateKey({ onProgress: (p) => progress.push(p.done / Math.max(1, p.total)) });
      assert.equal(store.stats().keyEpoch, 2);
      assert.equal(progress.at(-1), 1);
      for (let i = 0; i < 300; i += 13) assert.equal(text(await store.get(`r${pad(i)}`)), `value ${i}`);
      await assert.rejects(store.rotateKey({ signal: AbortSignal.abort() }), AbortedError);
      if (handle.reopen !== undefined) {
        const reopened = await handle.reopen();
        assert.equal(reopened.stats().keyEpoch, 2);
        assert.equal(text(await reopened.get('r0299')), 'value 299');
      }
    });

    withStore('named snapshots keep an old version until deleted', async (handle) => {
      await handle.store.put('doc', 'v1');
      const info = await handle.store.snapshots.create('release-1');
      assert.equal(info.name, 'release-1');
      await handle.store.put('doc', 'v2');
      for (let i = 0; i < 200; i++) await handle.store.put(`filler${pad(i)}`, 'x'.repeat(50));
      await handle.store.flush();
      const store = handle.reopen === undefined ? handle.store : await handle.reopen();
      assert.deepEqual(store.snapshots.list().map((s) => s.name), ['release-1']);
      const snap = store.snapshots.get('release-1');
      assert.ok(snap !== undefined);
      assert.equal(text(await snap.get('doc')), 'v1');
      assert.equal(await snap.get('filler0001'), undefined);
      await snap.close();
      assert.equal(text(await store.get('doc')), 'v2');
      assert.equal(await store.snapshots.delete('release-1'), true);
      assert.equal(await store.snapshots.delete('release-1'), false);
      assert.equal(store.snapshots.get('release-1'), undefined);
    });

    withStore('data survives close and reopen, including the unflushed tail', async (handle) => {
      for (let i = 0; i < 100; i++) await handle.store.put(`p${pad(i)}`, `v${i}`);
      await handle.store.flush();
      await handle.store.put('tail', 'in the WAL only');
      await handle.store.delete('p0000');
      const store = await (handle.reopen as () => Promise<Store>)();
      assert.equal(text(await store.get('tail')), 'in the WAL only');
      assert.equal(await store.get('p0000'), undefined);
      assert.equal(text(await store.get('p0099')), 'v99');
      assert.equal((await collect(store.scan())).length, 100);
    }, { skip: !supports.reopen });

    withStore('changePassphrase needs the old passphrase and switches to the new one', async (handle) => {
      const { store, dir } = handle;
      await store.put('k', 'v');
      await assert.rejects(store.changePassphrase('not it', 'new one'), WrongPassphraseError);
      await store.changePassphrase(TEST_PASSPHRASE, 'new one');
      await store.close();
      await assert.rejects(Store.open(dir as string, { passphrase: TEST_PASSPHRASE }), WrongPassphraseError);
      handle.store = await Store.open(dir as string, { passphrase: 'new one' });
      assert.equal(text(await handle.store.get('k')), 'v');
    }, { skip: !supports.reopen });

    withStore('Store.create refuses a directory that already holds a store', async (handle) => {
      await assert.rejects(Store.create(handle.dir as string, { passphrase: 'x', kdf: KDF_FLOOR }), (e: unknown) => (e as { code?: string }).code === 'SYN_STORE_EXISTS');
    }, { skip: !supports.reopen });
  });
}
