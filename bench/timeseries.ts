/**
 * Time-series benchmark (issue 5): append throughput in points/s for
 * batches of 1,000 and 10,000, the time of a one-day 1-minute aggregate,
 * and bytes on disk per point. Prints one table and the environment.
 *
 *   npx tsx bench/timeseries.ts              N = 1,000,000 points per row
 *   npx tsx bench/timeseries.ts --n=200000   options: --n  --runs=3  --dir=/path
 *
 * Data: CPU-like values (a random walk rounded to 0.01, seeded) with
 * integer-ms timestamps, in two shapes, each appended in time order into a
 * fresh disk store (library defaults, KDF floor, 1 h buckets):
 * - "1 series @ 1 Hz": one series, one point a second (a batch of 10,000
 *   points spans 2.8 h: three or four buckets);
 * - "100 series @ 0.1 Hz": 100 series, one point each every 10 s (a batch
 *   of 1,000 points is 10 timestamps x 100 series: 100 bucket merges).
 * A row counts only after verification: the count of every series read
 * back by `aggregate` equals what was appended, and a sample of points
 * matches exactly. Rates are the median over --runs runs. The aggregate
 * is timed on the 1 Hz store after a reopen: the first call (cold cache)
 * and the median of 20 more (warm). Bytes on disk are allocated blocks of
 * the store directory after close, divided by the points stored: they
 * include the engine's WAL and superseded bucket versions that LevelDB has
 * not compacted yet, so they vary with timing; the last column is the
 * plaintext size of the live records (what the encoding achieves).
 * Speed is never asserted in tests (STYLE.md §12).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KDF_FLOOR, NAMESPACE, Store, TimeSeries, type TimeSeriesPoint } from '../src/index.ts';
import { describeEnvironment } from './lib/env.ts';
import { formatNumber, renderTable } from './lib/table.ts';
import { bytesOnDisk } from './targets/target.ts';

const PASSPHRASE = 'synapsed timeseries bench';
const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

interface Shape {
  readonly label: string;
  readonly series: number;
  readonly intervalMs: number;
}

const SHAPES: readonly Shape[] = [
  { label: '1 series @ 1 Hz', series: 1, intervalMs: 1000 },
  { label: '100 series @ 0.1 Hz', series: 100, intervalMs: 10_000 },
];

function arg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** A seeded random walk per series, rounded to 0.01 (mulberry32). */
class Walk {
  #state: number;
  readonly #levels: Float64Array;
  constructor(seed: number, series: number) {
    this.#state = seed >>> 0;
    this.#levels = new Float64Array(series).fill(50);
  }
  #next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  value(series: number): number {
    const level = Math.min(100, Math.max(0, (this.#levels[series] as number) + (this.#next() - 0.5) * 4));
    this.#levels[series] = level;
    return Math.round(level * 100) / 100;
  }
}

/** Point `i` of a shape (time-major: all series at one time, then the next time). */
function pointAt(shape: Shape, names: readonly string[], walk: Walk, i: number): TimeSeriesPoint {
  const s = i % shape.series;
  return { series: names[s] as string, t: T0 + Math.floor(i / shape.series) * shape.intervalMs, value: walk.value(s) };
}

async function freshStore(base: string, label: string): Promise<{ store: Store; dir: string }> {
  const dir = await mkdtemp(join(base, `${label.replace(/\W+/g, '-')}-`));
  const { store } = await Store.create(dir, { passphrase: PASSPHRASE, kdf: KDF_FLOOR });
  return { store, dir };
}

interface AppendResult {
  readonly rate: number;
  readonly bytesPerPoint: number;
  readonly plainPerPoint: number;
  readonly records: number;
  readonly dir: string;
}

async function appendRun(base: string, shape: Shape, batch: number, n: number): Promise<AppendResult> {
  const { store, dir } = await freshStore(base, `${shape.label}-${batch}`);
  const ts = await TimeSeries.open(store, 'cpu', { bucket: '1h' });
  const names = Array.from({ length: shape.series }, (_, s) => `host-${String(s).padStart(3, '0')}`);
  const walk = new Walk(42, shape.series);
  const points: TimeSeriesPoint[] = new Array<TimeSeriesPoint>(batch);
  let appended = 0;
  let elapsed = 0;
  const sample: TimeSeriesPoint[] = [];
  while (appended < n) {
    const size = Math.min(batch, n - appended);
    points.length = size;
    for (let i = 0; i < size; i++) points[i] = pointAt(shape, names, walk, appended + i);
    if (appended % 99_991 < size) sample.push(points[0] as TimeSeriesPoint);
    const started = performance.now();
    await ts.append(points);
    elapsed += performance.now() - started;
    appended += size;
  }
  // Verification: every point is there, and a sample reads back exactly.
  let counted = 0;
  for (const name of names) for (const row of await ts.aggregate(name, { bucket: '1d', fn: ['count'] })) counted += row.count ?? 0;
  if (counted !== n) throw new Error(`${shape.label}: ${counted} points read back, ${n} appended`);
  for (const p of sample) {
    const back = [];
    for await (const q of ts.range(p.series, { from: p.t, to: p.t + 1 })) back.push(q);
    if (back.length !== 1 || back[0]?.value !== p.value) throw new Error(`${shape.label}: point ${p.series}@${p.t} read back wrong`);
  }
  // Plaintext size of the stored records (keys + values) before the engine seals them.
  let plain = 0;
  let records = 0;
  for await (const [key, value] of store.keyspace(NAMESPACE.TIMESERIES).scan()) {
    plain += key.length + value.length;
    records++;
  }
  await store.close();
  return { rate: n / (elapsed / 1000), bytesPerPoint: (await bytesOnDisk(dir)) / n, plainPerPoint: plain / n, records, dir };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Cold (first call after reopen) and warm (median of 20) one-day 1-minute aggregate, in ms. */
async function aggregateTimes(dir: string): Promise<{ cold: number; warm: number; rows: number }> {
  const store = await Store.open(dir, { passphrase: PASSPHRASE });
  try {
    const ts = await TimeSeries.open(store, 'cpu');
    const query = { from: T0 + DAY, to: T0 + 2 * DAY, bucket: '1m', fn: ['avg', 'min', 'max', 'count'] as const };
    let started = performance.now();
    const rows = await ts.aggregate('host-000', { ...query, fn: [...query.fn] });
    const cold = performance.now() - started;
    if (rows.length !== 1440 || rows.some((r) => r.count !== 60)) throw new Error(`aggregate: ${rows.length} rows, expected 1440 of 60 points`);
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) {
      started = performance.now();
      await ts.aggregate('host-000', { ...query, fn: [...query.fn] });
      warm.push(performance.now() - started);
    }
    return { cold, warm: median(warm), rows: rows.length };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const n = Number(arg('n') ?? 1_000_000);
  const runs = Number(arg('runs') ?? 3);
  if (!Number.isInteger(n) || n < 2 * 86_400) throw new Error('--n must be an integer of at least 172800 (two days at 1 Hz)');
  const base = arg('dir') ?? (await mkdtemp(join(tmpdir(), 'synapsed-ts-bench-')));
  const rows: string[][] = [];
  let oneHzDir: string | undefined;
  try {
    for (const shape of SHAPES) {
      for (const batch of [1000, 10_000]) {
        const results: AppendResult[] = [];
        for (let r = 0; r < runs; r++) {
          const result = await appendRun(base, shape, batch, n);
          results.push(result);
          if (shape.series === 1 && batch === 10_000 && oneHzDir === undefined) oneHzDir = result.dir;
          else if (r < runs - 1 || oneHzDir !== result.dir) await rm(result.dir, { recursive: true, force: true });
        }
        const rate = median(results.map((x) => x.rate));
        const bytes = median(results.map((x) => x.bytesPerPoint));
        const last = results.at(-1) as AppendResult;
        rows.push([
          `append, ${shape.label}, batches of ${formatNumber(batch)}`, `${formatNumber(rate)} points/s`, rate >= 500_000 ? 'yes' : 'NO',
          `${bytes.toFixed(2)} B/point`, `${last.plainPerPoint.toFixed(2)} B/point in ${formatNumber(last.records)} records`,
        ]);
      }
    }
    if (oneHzDir === undefined) throw new Error('no 1 Hz store kept for the aggregate');
    const agg = await aggregateTimes(oneHzDir);
    rows.push([`aggregate 1 day @ 1 Hz by 1m (${agg.rows} rows), cold`, `${agg.cold.toFixed(1)} ms`, '', '', '']);
    rows.push(['aggregate 1 day @ 1 Hz by 1m, warm (median of 20)', `${agg.warm.toFixed(1)} ms`, '', '', '']);
  } finally {
    if (arg('dir') === undefined) await rm(base, { recursive: true, force: true });
  }
  console.log(`time series: N = ${formatNumber(n)} points per append row, median of ${runs} runs, fresh disk store per run\n`);
  console.log(renderTable(['workload', 'result', '>= 500k/s', 'disk after close', 'stored plaintext (keys + values)'], rows));
  console.log(`\n${describeEnvironment().join('\n')}`);
}

await main();
