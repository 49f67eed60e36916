/**
 * Property: a TimeSeries agrees with a plain reference (a Map per series of
 * t -> value, last write wins) after any sequence of appends (out of
 * order, duplicate timestamps within and across calls, several series,
 * times near 0 and near 2^53), series deletions and retention passes, for
 * random range queries (bounds, reverse, limit) and random aggregates
 * (window width, functions). Each run uses a fresh memory store, half of
 * them with TINY sizes, and a random bucket span, so points straddle many
 * buckets and bucket records move through flushes and merges.
 *
 * The reference computes aggregates the way aggregate.ts defines them: in
 * time order, sum from 0, avg = sum / count, Math.min/Math.max.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Store, TimeSeries, type AggregateFn, type AggregateRow } from '../../src/index.ts';
import { TINY } from '../helpers/stores.ts';

const SERIES = ['a', 'b', 'a\u0000', 'ü'] as const;
const FNS: readonly AggregateFn[] = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'];
const NEAR_END = Number.MAX_SAFE_INTEGER - 5000;

type Op =
  | { kind: 'append'; points: Array<{ series: string; t: number; value: number }> }
  | { kind: 'delete'; series: string }
  | { kind: 'retain'; now: number }
  | { kind: 'range'; series: string; from: number | undefined; to: number | undefined; reverse: boolean; limit: number | undefined }
  | { kind: 'aggregate'; series: string; from: number | undefined; to: number | undefined; width: number; fns: AggregateFn[] };

// Mostly a narrow window, so timestamps collide within and across calls.
const time = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 120 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3000 }) },
  { weight: 1, arbitrary: fc.integer({ min: NEAR_END, max: Number.MAX_SAFE_INTEGER }) },
);
// Raw doubles (XOR path), readings with few decimals and counters (decimal path), repeats, zeros.
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -3, max: 3 }), fc.constantFrom(-0, 0),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 100), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => n / 1e6),
  fc.maxSafeInteger(),
);
const series = fc.constantFrom(...SERIES);
const bound = fc.option(fc.oneof(time, fc.constant(2 ** 53)), { nil: undefined });

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), points: fc.array(fc.record({ series, t: time, value }), { maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), series }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retain' as const), now: fc.integer({ min: 0, max: 4000 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('range' as const), series, from: bound, to: bound, reverse: fc.boolean(), limit: fc.option(fc.nat(50), { nil: undefined }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('aggregate' as const), series, from: bound, to: bound,
      width: fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.constant(2 ** 40)), fns: fc.subarray([...FNS], { minLength: 1 }),
    }),
  },
);

/** Points of one series in time order within [from, to). */
function modelRange(model: Map<string, Map<number, number>>, s: string, from = 0, to = 2 ** 53): Array<[number, number]> {
  return [...(model.get(s) ?? new Map<number, number>()).entries()].filter(([t]) => t >= from && t < to).sort((x, y) => x[0] - y[0]);
}

function modelAggregate(points: Array<[number, number]>, width: number, fns: readonly AggregateFn[]): AggregateRow[] {
  const windows = new Map<number, number[]>();
  for (const [t, v] of points) {
    const start = t - (t % width);
    const list = windows.get(start) ?? [];
    list.push(v);
    windows.set(start, list);
  }
  return [...windows.entries()].map(([t, vs]) => {
    let sum = 0;
    for (const v of vs) sum += v;
    const all: Record<AggregateFn, number> = {
      count: vs.length, sum, avg: sum / vs.length, min: Math.min(...vs), max: Math.max(...vs), first: vs[0] as number, last: vs.at(-1) as number,
    };
    const row: Record<string, number> = { t };
    for (const fn of FNS) if (fns.includes(fn)) row[fn] = all[fn];
    return row as unknown as AggregateRow;
  });
}

async function check(ts: TimeSeries, model: Map<string, Map<number, number>>, o: Op): Promise<void> {
  // `from` is at most 2^53 - 1; the bound arbitrary also makes 2^53 (valid for `to`).
  const from = o.kind === 'delete' || o.kind === 'append' || o.kind === 'retain' || o.from === undefined ? undefined : Math.min(o.from, Number.MAX_SAFE_INTEGER);
  if (o.kind === 'range') {
    let expected = modelRange(model, o.series, from, o.to);
    if (o.reverse) expected.reverse();
    if (o.limit !== undefined) expected = expected.slice(0, o.limit);
    const got: Array<[number, number]> = [];
    const options = { reverse: o.reverse, ...(from === undefined ? {} : { from }), ...(o.to === undefined ? {} : { to: o.to }), ...(o.limit === undefined ? {} : { limit: o.limit }) };
    for await (const p of ts.range(o.series, options)) got.push([p.t, p.value]);
    assert.deepEqual(got, expected, JSON.stringify(o));
  } else if (o.kind === 'aggregate') {
    const expected = modelAggregate(modelRange(model, o.series, from, o.to), o.width, o.fns);
    const got = await ts.aggregate(o.series, { bucket: o.width, fn: o.fns, ...(from === undefined ? {} : { from }), ...(o.to === undefined ? {} : { to: o.to }) });
    assert.deepEqual(got, expected, JSON.stringify(o));
  }
}

test('a TimeSeries agrees with a Map reference for random appends, deletions, retention, ranges and aggregates', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(1, 7, 100, 1000), fc.boolean(), fc.array(op, { minLength: 1, maxLength: 12 }), async (span, tiny, ops) => {
      const store = await Store.memory(tiny ? TINY : {});
      try {
        const retention = 1000;
        const ts = await TimeSeries.open(store, 'model', { bucket: span, retention, clock: () => 0 });
        const model = new Map<string, Map<number, number>>();
        for (const o of ops) {
          if (o.kind === 'append') {
            await ts.append(o.points);
            for (const p of o.points) {
              const m = model.get(p.series) ?? new Map<number, number>();
              m.set(p.t, p.value);
              model.set(p.series, m);
            }
          } else if (o.kind === 'delete') {
            await ts.deleteSeries(o.series);
            model.delete(o.series);
          } else if (o.kind === 'retain') {
            await ts.applyRetention({ now: o.now });
            const limit = Math.floor((o.now - retention) / span) * span;
            for (const m of model.values()) for (const t of [...m.keys()]) if (t - (t % span) < limit) m.delete(t);
          } else {
            await check(ts, model, o);
          }
        }
        for (const s of SERIES) await check(ts, model, { kind: 'range', series: s, from: undefined, to: undefined, reverse: false, limit: undefined });
        const live = SERIES.filter((s) => (model.get(s)?.size ?? 0) > 0).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.deepEqual(await ts.series(), live);
      } finally {
        await store.close();
      }
    }),
    { numRuns: 200 },
  );
});
