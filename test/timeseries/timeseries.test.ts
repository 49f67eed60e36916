/**
 * TimeSeries behaviour on memory and disk stores, default and TINY sizes
 * (so buckets become large-value records, runs flush and merge): append,
 * range and aggregate; out-of-order and duplicate timestamps (last write
 * wins); reverse and limit; empty ranges; bucket boundaries; series
 * listing and isolation; retention (whole old buckets only, on demand and
 * on append once a minute); concurrent appends; reopen; closed stores.
 * Then the bad-input table: every public method rejects hostile arguments
 * with InvalidArgumentError naming the argument, and writes nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedError, InvalidArgumentError, NAMESPACE, Store, TimeSeries, type Sample } from '../../src/index.ts';
import { NOT_OPTIONS } from '../fixtures/bad-inputs.ts';
import { TINY, diskFactory, memoryFactory, type StoreFactory, type StoreHandle } from '../helpers/stores.ts';

const FACTORIES: Array<[string, StoreFactory]> = [
  ['memory', memoryFactory()],
  ['memory, tiny sizes', memoryFactory(TINY)],
  ['disk', diskFactory()],
  ['disk, tiny sizes', diskFactory(TINY)],
];

async function collect(points: AsyncIterable<Sample>): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = [];
  for await (const p of points) out.push([p.t, p.value]);
  return out;
}

const pts = (series: string, entries: Array<[number, number]>): Array<{ series: string; t: number; value: number }> =>
  entries.map(([t, value]) => ({ series, t, value }));

for (const [label, factory] of FACTORIES) {
  const withStore = (title: string, fn: (h: StoreHandle) => Promise<void>): void => {
    test(title, async () => {
      const handle = await factory();
      try {
        await fn(handle);
      } finally {
        await handle.cleanup();
      }
    });
  };

  describe(`TimeSeries: ${label}`, () => {
    withStore('appended points read back in time order across many buckets', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 1000 });
      const expected: Array<[number, number]> = [];
      for (let t = 0; t < 20_000; t += 37) expected.push([t, Math.sin(t) * 100]);
      await ts.append(pts('host-1', expected));
      assert.deepEqual(await collect(ts.range('host-1')), expected);
      assert.deepEqual(await collect(ts.range('host-1', { from: 5000, to: 7000 })), expected.filter(([t]) => t >= 5000 && t < 7000));
      assert.equal(store.stats().lastSeq > 0, true);
      assert.equal((await store.scan().next()).done, true, 'the user keyspace holds nothing');
    });

    withStore('out-of-order points are sorted into place, within a call and across calls', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 100 });
      await ts.append(pts('s', [[550, 5.5], [10, 0.1], [305, 3.05], [99, 0.99], [100, 1]]));
      await ts.append(pts('s', [[50, 0.5], [999, 9.99], [301, 3.01], [0, 0]]));
      assert.deepEqual(await collect(ts.range('s')), [[0, 0], [10, 0.1], [50, 0.5], [99, 0.99], [100, 1], [301, 3.01], [305, 3.05], [550, 5.5], [999, 9.99]]);
    });

    withStore('for the same series and time the last write wins: later in the array, or a later call', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 100 });
      await ts.append(pts('s', [[5, 1], [7, 1], [5, 2], [150, 1], [5, 3]]));
      assert.deepEqual(await collect(ts.range('s')), [[5, 3], [7, 1], [150, 1]]);
      await ts.append(pts('s', [[7, -7], [150, 0], [8, 8]]));
      assert.deepEqual(await collect(ts.range('s')), [[5, 3], [7, -7], [8, 8], [150, 0]]);
      await ts.append([{ series: 'other', t: 5, value: 99 }]);
      assert.deepEqual(await collect(ts.range('s', { to: 6 })), [[5, 3]], 'another series at the same time is another point');
    });

    withStore('values keep every bit: -0, tiny, huge, repeated and integer values', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 50 });
      const values = [-0, 0, 5e-324, -Number.MAX_VALUE, Number.MAX_VALUE, 1, 1, 1, 2 ** 52, -3, 0.1 + 0.2, Math.PI, Math.PI, 1e-300, 42];
      const entries = values.map((v, i): [number, number] => [i * 7, v]);
      await ts.append(pts('v', entries));
      const back = await collect(ts.range('v'));
      assert.deepEqual(back, entries);
      assert.ok(Object.is(back[0]?.[1], -0));
    });

    withStore('reverse gives newest first and limit stops early, in both directions', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 10 });
      const entries: Array<[number, number]> = Array.from({ length: 95 }, (_, i) => [i * 3, i]);
      await ts.append(pts('s', entries));
      assert.deepEqual(await collect(ts.range('s', { reverse: true })), [...entries].reverse());
      assert.deepEqual(await collect(ts.range('s', { limit: 4 })), entries.slice(0, 4));
      assert.deepEqual(await collect(ts.range('s', { reverse: true, limit: 4 })), entries.slice(-4).reverse());
      assert.deepEqual(await collect(ts.range('s', { from: 30, to: 61, reverse: true, limit: 3 })), [[60, 20], [57, 19], [54, 18]]);
      assert.deepEqual(await collect(ts.range('s', { limit: Infinity })), entries);
    });

    withStore('empty ranges yield nothing: unknown series, gaps, from >= to, limit 0', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 100 });
      assert.deepEqual(await collect(ts.range('nobody')), []);
      assert.deepEqual(await ts.aggregate('nobody', { bucket: 10 }), []);
      await ts.append(pts('s', [[10, 1], [5000, 2]]));
      assert.deepEqual(await collect(ts.range('s', { from: 11, to: 5000 })), [], 'a gap of empty buckets');
      assert.deepEqual(await collect(ts.range('s', { from: 20, to: 20 })), []);
      assert.deepEqual(await collect(ts.range('s', { from: 6000, to: 10 })), []);
      assert.deepEqual(await collect(ts.range('s', { limit: 0 })), []);
      assert.deepEqual(await collect(ts.range('s', { from: 5001 })), []);
      assert.deepEqual(await ts.aggregate('s', { from: 11, to: 5000 }), []);
      await ts.append([]);
      assert.deepEqual(await collect(ts.range('s')), [[10, 1], [5000, 2]]);
    });

    withStore('bucket boundaries: first and last millisecond of a bucket, half-open ranges', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: '1m' });
      assert.equal(ts.bucketMs, 60_000);
      const entries: Array<[number, number]> = [[0, 1], [59_999, 2], [60_000, 3], [119_999, 4], [120_000, 5]];
      await ts.append(pts('s', entries));
      assert.deepEqual(await collect(ts.range('s', { from: 59_999, to: 120_000 })), [[59_999, 2], [60_000, 3], [119_999, 4]]);
      assert.deepEqual(await collect(ts.range('s', { from: 60_000, to: 60_001 })), [[60_000, 3]]);
      assert.deepEqual(await collect(ts.range('s', { from: 60_000, to: 60_000 })), []);
      assert.deepEqual(await collect(ts.range('s', { to: 1 })), [[0, 1]]);
      const rows = await ts.aggregate('s', { bucket: '1m', fn: ['count', 'first', 'last'] });
      assert.deepEqual(rows, [
        { t: 0, count: 2, first: 1, last: 2 },
        { t: 60_000, count: 2, first: 3, last: 4 },
        { t: 120_000, count: 1, first: 5, last: 5 },
      ]);
    });

    withStore('the ends of the time axis, 0 and 2^53 - 1, are stored and found', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: '1d' });
      const max = Number.MAX_SAFE_INTEGER;
      await ts.append(pts('s', [[max, 2], [0, 1], [max - 1, 1.5]]));
      assert.deepEqual(await collect(ts.range('s')), [[0, 1], [max - 1, 1.5], [max, 2]]);
      assert.deepEqual(await collect(ts.range('s', { from: max })), [[max, 2]]);
      assert.deepEqual(await collect(ts.range('s', { from: max, to: 2 ** 53 })), [[max, 2]]);
      assert.deepEqual(await collect(ts.range('s', { reverse: true, limit: 1 })), [[max, 2]]);
    });

    withStore('aggregate computes each function per epoch-aligned window and only for windows with points', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 1000 });
      await ts.append(pts('s', [[1000, 4], [1010, -2], [1299, 10], [1300, 1], [2500, 7], [2600, 7], [9000, 3]]));
      const rows = await ts.aggregate('s', { bucket: 300, fn: ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] });
      assert.deepEqual(rows, [
        { t: 900, avg: 1, min: -2, max: 4, sum: 2, count: 2, first: 4, last: -2 },
        { t: 1200, avg: 5.5, min: 1, max: 10, sum: 11, count: 2, first: 10, last: 1 },
        { t: 2400, avg: 7, min: 7, max: 7, sum: 14, count: 2, first: 7, last: 7 },
        { t: 9000, avg: 3, min: 3, max: 3, sum: 3, count: 1, first: 3, last: 3 },
      ]);
      const cut = await ts.aggregate('s', { from: 1005, to: 2600, bucket: '1s', fn: ['count', 'max'] });
      assert.deepEqual(cut, [{ t: 1000, count: 3, max: 10 }, { t: 2000, count: 1, max: 7 }], 'windows keep their aligned start even when from cuts them');
      const all = await ts.aggregate('s');
      assert.deepEqual(Object.keys(all[0] ?? {}), ['t', 'count', 'sum', 'avg', 'min', 'max', 'first', 'last'], 'defaults: every function, the stored span');
      assert.deepEqual(all.map((r) => r.t), [1000, 2000, 9000]);
      assert.deepEqual(await ts.aggregate('s', { bucket: '1d', fn: ['count', 'count'] }), [{ t: 0, count: 7 }]);
    });

    withStore('series lists names in byte order; names sharing a prefix or holding NUL stay apart', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 100 });
      const names = ['b', 'a', 'a\u0000', 'a\u0000b', 'ab', 'a b', 'é', '日本', '\u0000', 'a'.repeat(1024)];
      await ts.append(names.map((series, i) => ({ series, t: 1000 + i, value: i })));
      await ts.append(names.map((series, i) => ({ series, t: 5, value: -i })));
      const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(await ts.series(), sorted);
      for (const [i, series] of names.entries()) assert.deepEqual(await collect(ts.range(series)), [[5, -i], [1000 + i, i]], series);
      await ts.deleteSeries('a');
      await ts.deleteSeries('never-there');
      assert.deepEqual(await collect(ts.range('a')), []);
      assert.deepEqual(await ts.series(), sorted.filter((s) => s !== 'a'));
      assert.deepEqual(await collect(ts.range('a\u0000')), [[5, -2], [1002, 2]]);
    });

    withStore('time series of different names never see each other', async ({ store }) => {
      const a = await TimeSeries.open(store, 'cpu', { bucket: 100 });
      const b = await TimeSeries.open(store, 'cpu2', { bucket: 100 });
      const c = await TimeSeries.open(store, 'cp', { bucket: 1000 });
      await a.append([{ series: 'h', t: 1, value: 1 }]);
      await b.append([{ series: 'h', t: 1, value: 2 }]);
      await c.append([{ series: 'h', t: 1, value: 3 }, { series: 'g', t: 1, value: 3 }]);
      assert.deepEqual(await collect(a.range('h')), [[1, 1]]);
      assert.deepEqual(await collect(b.range('h')), [[1, 2]]);
      assert.deepEqual(await a.series(), ['h']);
      assert.deepEqual(await c.series(), ['g', 'h']);
      await c.deleteSeries('h');
      assert.deepEqual(await collect(a.range('h')), [[1, 1]]);
      assert.equal(a.name, 'cpu');
    });

    withStore('retention deletes only buckets whose whole span is older than the cutoff', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 1000, retention: '5s', clock: () => 0 });
      assert.equal(ts.retentionMs, 5000);
      await ts.append(pts('x', Array.from({ length: 100 }, (_, i): [number, number] => [i * 100, i])));
      await ts.append(pts('y', [[4999, 1], [5000, 2]]));
      assert.equal(await ts.applyRetention({ now: 10_500 }), 5 + 1, 'x: buckets 0-4000; y: bucket 4000');
      assert.deepEqual((await collect(ts.range('x'))).map(([t]) => t)[0], 5000, 'bucket 5000 holds 5000..5999, not all older than 5500');
      assert.deepEqual(await collect(ts.range('y')), [[5000, 2]]);
      assert.equal(await ts.applyRetention({ now: 11_000 }), 2, 'cutoff 6000: bucket 5000 ends at the cutoff, in both series');
      assert.equal((await collect(ts.range('x')))[0]?.[0], 6000);
      assert.deepEqual(await ts.series(), ['x'], 'a series with no bucket left is gone');
      assert.equal(await ts.applyRetention({ now: 11_000 }), 0);
      assert.equal(await ts.applyRetention({ now: 0 }), 0);
      const keepAll = await TimeSeries.open(store, 'cpu');
      assert.equal(await keepAll.applyRetention({ now: 1e12 }), 0, 'without retention nothing is deleted');
      assert.equal((await collect(ts.range('x'))).length, 40);
    });

    withStore('append applies retention at most once a minute, before writing', async ({ store }) => {
      let now = 200_000;
      const ts = await TimeSeries.open(store, 'cpu', { bucket: 1000, retention: 100_000, clock: () => now });
      await ts.append(pts('s', [[150_000, 1], [199_000, 2]]));
      await ts.append(pts('s', [[5_000, 0]]));
      assert.deepEqual(await collect(ts.range('s', { to: 6000 })), [[5000, 0]], 'an old point is kept until the next pass');
      now += 59_999;
      await ts.append(pts('s', [[200_000, 3]]));
      assert.deepEqual(await collect(ts.range('s', { to: 6000 })), [[5000, 0]], 'less than a minute later: no pass');
      now += 1;
      await ts.append(pts('s', [[201_000, 4]]));
      assert.deepEqual(await collect(ts.range('s')), [[199_000, 2], [200_000, 3], [201_000, 4]], 'a minute later the pass removed every bucket before 160000');
      assert.equal(await ts.applyRetention(), 0, 'applyRetention reads the clock by default');
    });

    withStore('concurrent appends to the same bucket never lose a point', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: '1h' });
      const writers = Array.from({ length: 20 }, (_, w) => ts.append(pts('hot', Array.from({ length: 50 }, (_, i): [number, number] => [i * 20 + w, w]))));
      await Promise.all(writers);
      const back = await collect(ts.range('hot'));
      assert.equal(back.length, 1000);
      assert.deepEqual(back.map(([t]) => t), Array.from({ length: 1000 }, (_, i) => i));
      assert.ok(back.every(([t, v]) => t % 20 === v));
    });

    withStore('a large batch over many series and buckets is one atomic append', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu', { bucket: '10s' });
      const points = Array.from({ length: 20_000 }, (_, i) => ({ series: `host-${i % 40}`, t: 1_700_000_000_000 + Math.floor(i / 40) * 250, value: i }));
      await ts.append(points);
      assert.equal((await ts.series()).length, 40);
      const h7 = await collect(ts.range('host-7'));
      assert.equal(h7.length, 500);
      assert.deepEqual(h7.slice(0, 2), [[1_700_000_000_000, 7], [1_700_000_000_250, 47]]);
      const rows = await ts.aggregate('host-7', { bucket: '1m', fn: ['count'] });
      assert.equal(rows.reduce((n, r) => n + (r.count ?? 0), 0), 500);
      await assert.rejects(ts.append([...points.slice(0, 10), { series: 'host-1', t: -1, value: 0 }]), InvalidArgumentError);
      assert.equal((await collect(ts.range('host-0'))).length, 500, 'a rejected batch wrote nothing');
    });

    withStore('reopening keeps the points and the bucket span; a different span is refused', async (handle) => {
      const ts = await TimeSeries.open(handle.store, 'cpu', { bucket: '1m' });
      const entries: Array<[number, number]> = Array.from({ length: 500 }, (_, i) => [i * 997, i / 7]);
      await ts.append(pts('s', entries));
      if (handle.reopen === undefined) return;
      const store: Store = await handle.reopen();
      const again = await TimeSeries.open(store, 'cpu');
      assert.equal(again.bucketMs, 60_000);
      assert.deepEqual(await collect(again.range('s')), entries);
      await assert.rejects(TimeSeries.open(store, 'cpu', { bucket: '1h' }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.bucket');
      assert.equal((await TimeSeries.open(store, 'cpu', { bucket: 60_000 })).bucketMs, 60_000);
      await again.append(pts('s', [[3, 3]]));
      await store.flush();
      const third = await TimeSeries.open(await handle.reopen(), 'cpu');
      assert.deepEqual((await collect(third.range('s', { limit: 3 }))), [[0, 0], [3, 3], [997, 1 / 7]]);
    });

    withStore('every method rejects with ClosedError once the store is closed', async ({ store }) => {
      const ts = await TimeSeries.open(store, 'cpu');
      await store.close();
      const calls: Array<() => Promise<unknown>> = [
        () => ts.append([{ series: 's', t: 1, value: 1 }]), () => ts.range('s').next(), () => ts.aggregate('s'),
        () => ts.series(), () => ts.deleteSeries('s'), () => TimeSeries.open(store, 'other'),
      ];
      for (const call of calls) await assert.rejects(call(), ClosedError);
    });
  });
}

const BAD_NAMES: readonly unknown[] = [undefined, null, '', 42, {}, ['a'], 'x'.repeat(1025), 'é'.repeat(513), '\uD800', 'a\uDC00b'];
const BAD_DURATIONS: readonly unknown[] = [0, -1, 1.5, NaN, Infinity, 2 ** 53, '', '0s', '1y', '10', 'ms', '1.5h', ' 1h', '1H', '-1s', '99999999999999999d', null, {}];
const BAD_TIMES: readonly unknown[] = [-1, 1.5, NaN, Infinity, 2 ** 53, '5', null, 1n];

describe('TimeSeries bad inputs', () => {
  const rejects = async (call: () => Promise<unknown> | AsyncIterable<unknown>, argument: string, bad: unknown): Promise<void> => {
    const run = async (): Promise<unknown> => {
      const result = call();
      if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
        for await (const _ of result) { /* drain */ }
        return undefined;
      }
      return result;
    };
    await assert.rejects(run(), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError, `${argument}: ${String(e)}`);
      assert.equal(e.code, 'SYN_INVALID_ARGUMENT');
      assert.equal(e.argument, argument, `${argument} with ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}`);
      return true;
    });
  };

  test('open rejects a bad store, name, options, retention, bucket or clock', async () => {
    const store = await Store.memory();
    try {
      for (const bad of [undefined, null, {}, 'store', store.snapshot()]) await rejects(() => TimeSeries.open(bad as never, 'cpu'), 'store', bad);
      for (const bad of BAD_NAMES) await rejects(() => TimeSeries.open(store, bad as never), 'name', bad);
      for (const bad of NOT_OPTIONS) await rejects(() => TimeSeries.open(store, 'cpu', bad as never), 'options', bad);
      for (const bad of BAD_DURATIONS) {
        await rejects(() => TimeSeries.open(store, 'cpu', { retention: bad as never }), 'options.retention', bad);
        await rejects(() => TimeSeries.open(store, 'cpu', { bucket: bad as never }), 'options.bucket', bad);
      }
      for (const bad of [42, 'now', {}]) await rejects(() => TimeSeries.open(store, 'cpu', { clock: bad as never }), 'options.clock', bad);
      assert.equal(await store.keyspace(NAMESPACE.TIMESERIES).scan().next().then((r) => r.done), true, 'nothing was created');
      const odd = await TimeSeries.open(store, 'clock', { retention: '1d', clock: () => -5 });
      await rejects(() => odd.append([{ series: 's', t: 1, value: 1 }]), 'options.clock', -5);
      assert.deepEqual(await odd.series(), [], 'nothing was appended');
    } finally {
      await store.close();
    }
  });

  test('append rejects bad points by position and writes nothing', async () => {
    const store = await Store.memory();
    try {
      const ts = await TimeSeries.open(store, 'cpu');
      const good = { series: 'ok', t: 1, value: 1 };
      for (const bad of [undefined, null, {}, 'points', 42, new Set([good])]) await rejects(() => ts.append(bad as never), 'points', bad);
      for (const bad of [null, 42, 'point', undefined]) await rejects(() => ts.append([good, bad as never]), 'points[1]', bad);
      for (const bad of BAD_NAMES) await rejects(() => ts.append([good, { ...good, series: bad as never }]), 'points[1].series', bad);
      for (const bad of [...BAD_TIMES, undefined]) await rejects(() => ts.append([good, good, { ...good, t: bad as never }]), 'points[2].t', bad);
      for (const bad of [NaN, Infinity, -Infinity, '1', undefined, null, 1n, {}]) await rejects(() => ts.append([{ ...good, value: bad as never }]), 'points[0].value', bad);
      assert.deepEqual(await ts.series(), []);
    } finally {
      await store.close();
    }
  });

  test('range, aggregate, deleteSeries and applyRetention reject bad arguments', async () => {
    const store = await Store.memory();
    try {
      const ts = await TimeSeries.open(store, 'cpu', { retention: '1d' });
      await ts.append([{ series: 's', t: 1, value: 1 }]);
      for (const bad of BAD_NAMES) {
        await rejects(() => ts.range(bad as never), 'series', bad);
        await rejects(() => ts.aggregate(bad as never), 'series', bad);
        await rejects(() => ts.deleteSeries(bad as never), 'series', bad);
      }
      for (const bad of NOT_OPTIONS) {
        await rejects(() => ts.range('s', bad as never), 'options', bad);
        await rejects(() => ts.aggregate('s', bad as never), 'options', bad);
        await rejects(() => ts.applyRetention(bad as never), 'options', bad);
      }
      for (const bad of BAD_TIMES) {
        await rejects(() => ts.range('s', { from: bad as never }), 'options.from', bad);
        await rejects(() => ts.aggregate('s', { from: bad as never }), 'options.from', bad);
        await rejects(() => ts.applyRetention({ now: bad as never }), 'options.now', bad);
      }
      for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53 + 2, '9', null]) {
        await rejects(() => ts.range('s', { to: bad as never }), 'options.to', bad);
        await rejects(() => ts.aggregate('s', { to: bad as never }), 'options.to', bad);
      }
      for (const bad of [1, 'yes', null]) await rejects(() => ts.range('s', { reverse: bad as never }), 'options.reverse', bad);
      for (const bad of [-1, 1.5, NaN, '1', null]) await rejects(() => ts.range('s', { limit: bad as never }), 'options.limit', bad);
      for (const bad of BAD_DURATIONS) await rejects(() => ts.aggregate('s', { bucket: bad as never }), 'options.bucket', bad);
      for (const bad of [[], 'avg', null, {}]) await rejects(() => ts.aggregate('s', { fn: bad as never }), 'options.fn', bad);
      await rejects(() => ts.aggregate('s', { fn: ['avg', 'median' as never] }), 'options.fn[1]', 'median');
      await rejects(() => ts.aggregate('s', { fn: [1 as never] }), 'options.fn[0]', 1);
      assert.deepEqual(await collect(ts.range('s')), [[1, 1]], 'nothing changed');
    } finally {
      await store.close();
    }
  });
});
