/**
 * Blob benchmark (issue 6): one large blob written and read back, beside
 * the same bytes as
 * - a plain file through `fs` streams (the disk and page cache, no crypto),
 * - raw `classic-level` records of 1 MiB (what storing blobs inside the
 *   LSM would cost),
 * - the bare cipher: STREAM seal/open of 64 KiB chunks in memory, one core.
 * Each write ends durable (fsync, or a final synced put for LevelDB).
 * Reads follow writes, so every target reads through a warm page cache.
 *
 *   npx tsx bench/blobs.ts             1 GiB, 3 runs (median MB/s)
 *   npx tsx bench/blobs.ts --mb=256 --runs=1 --dir=/path
 *
 * Peak RSS growth is sampled every 20 ms during each blob write and read
 * and reported above the baseline taken before it: it must stay flat as
 * the blob grows (run with --mb=256 and --mb=2048 to see).
 * Speed is never asserted in tests (STYLE.md §12).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { ClassicLevel } from 'classic-level';
import { KDF_FLOOR, Store } from '../src/index.ts';
import { StreamCipher } from '../src/crypto/stream.ts';
import { describeEnvironment } from './lib/env.ts';
import { median } from './lib/stats.ts';
import { renderTable } from './lib/table.ts';

function arg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const MB = Number(arg('mb') ?? 1024);
const RUNS = Number(arg('runs') ?? 3);
const BASE = arg('dir') ?? tmpdir();
const PIECE = 1024 * 1024;
const TOTAL = MB * PIECE;

// One random MiB, with the piece number stamped in so no two pieces are equal.
const pattern = new Uint8Array(PIECE);
for (let i = 0; i < PIECE; i++) pattern[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;

function* pieces(): Generator<Uint8Array> {
  for (let i = 0; i < MB; i++) {
    const p = pattern.slice();
    p[0] = i & 0xff;
    p[1] = (i >>> 8) & 0xff;
    yield p;
  }
}

async function* asyncPieces(): AsyncGenerator<Uint8Array> {
  yield* pieces();
}

/** Consumes a stream, counting bytes. */
function counter(): Writable & { bytes: number } {
  const sink = new Writable({
    highWaterMark: PIECE,
    write(chunk: Buffer, _enc, cb) {
      (sink as unknown as { bytes: number }).bytes += chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

/** Runs `fn`, sampling RSS; returns seconds and peak RSS growth in MiB. */
async function measure(fn: () => Promise<void>): Promise<{ seconds: number; rssGrowthMiB: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - start) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, rssGrowthMiB: (peak - base) / 2 ** 20 };
}

const rate = (seconds: number): number => TOTAL / 1e6 / seconds;

interface Figures {
  write: number[];
  read: number[];
  rssWrite: number[];
  rssRead: number[];
}

const empty = (): Figures => ({ write: [], read: [], rssWrite: [], rssRead: [] });

async function plainFile(dir: string, f: Figures): Promise<void> {
  const path = join(dir, 'plain.bin');
  const w = await measure(async () => {
    await pipeline(asyncPieces(), createWriteStream(path));
    const handle = await open(path, 'r+');
    await handle.sync();
    await handle.close();
  });
  const r = await measure(async () => {
    const sink = counter();
    await pipeline(createReadStream(path, { highWaterMark: PIECE }), sink);
    if (sink.bytes !== TOTAL) throw new Error(`plain read ${sink.bytes} bytes`);
  });
  f.write.push(rate(w.seconds));
  f.read.push(rate(r.seconds));
  await rm(path);
}

async function rawLevel(dir: string, f: Figures): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'level'), { keyEncoding: 'view', valueEncoding: 'view', compression: false });
  await db.open();
  const key = (i: number): Uint8Array => Uint8Array.of(i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff);
  const w = await measure(async () => {
    let i = 0;
    for (const p of pieces()) {
      await db.put(key(i), p, { sync: i === MB - 1 } as object);
      i++;
    }
  });
  const r = await measure(async () => {
    let bytes = 0;
    for await (const value of db.values()) bytes += value.length;
    if (bytes !== TOTAL) throw new Error(`level read ${bytes} bytes`);
  });
  f.write.push(rate(w.seconds));
  f.read.push(rate(r.seconds));
  await db.close();
  await rm(join(dir, 'level'), { recursive: true, force: true });
}

async function bareCipher(f: Figures): Promise<void> {
  const cipher = new StreamCipher(new Uint8Array(32).fill(7), new Uint8Array(38));
  const chunk = 64 * 1024;
  const sealed: Uint8Array[] = [];
  // Seal and open the same 64 MiB window over and over: memory stays small, the cipher does all the work.
  const window = 64;
  const w = await measure(async () => {
    let index = 0;
    for (const p of pieces()) {
      for (let at = 0; at < PIECE; at += chunk) {
        const s = cipher.seal(index, index === TOTAL / chunk - 1, p.subarray(at, at + chunk));
        if (sealed.length < window * (PIECE / chunk)) sealed.push(s);
        index++;
      }
    }
  });
  const r = await measure(async () => {
    const per = sealed.length;
    for (let index = 0; index < TOTAL / chunk; index++) {
      const i = index % per;
      if (cipher.open(i, i === TOTAL / chunk - 1, sealed[i]!) === undefined) throw new Error('open failed');
    }
  });
  f.write.push(rate(w.seconds));
  f.read.push(rate(r.seconds));
}

async function blobs(dir: string, f: Figures, run: number): Promise<void> {
  const storeDir = join(dir, `store-${run}`);
  const { store } = await Store.create(storeDir, { passphrase: 'blob bench', kdf: KDF_FLOOR });
  try {
    const w = await measure(async () => {
      const info = await store.blobs.write('big', asyncPieces());
      if (info.size !== TOTAL) throw new Error(`blob size ${info.size}`);
    });
    const r = await measure(async () => {
      const sink = counter();
      await pipeline(store.blobs.createReadStream('big'), sink);
      if (sink.bytes !== TOTAL) throw new Error(`blob read ${sink.bytes} bytes`);
    });
    f.write.push(rate(w.seconds));
    f.read.push(rate(r.seconds));
    f.rssWrite.push(w.rssGrowthMiB);
    f.rssRead.push(r.rssGrowthMiB);
  } finally {
    await store.close();
    await rm(storeDir, { recursive: true, force: true });
  }
}

const dir = await mkdtemp(join(BASE, 'synapsed-blob-bench-'));
const figures = { plain: empty(), level: empty(), cipher: empty(), blobs: empty() };
try {
  for (let run = 0; run < RUNS; run++) {
    await blobs(dir, figures.blobs, run);
    await plainFile(dir, figures.plain);
    await rawLevel(dir, figures.level);
    await bareCipher(figures.cipher);
    process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const m = (xs: number[]): number => median(xs);
const fmt = (x: number): string => x.toFixed(0);
const ratio = (x: number): string => `${x.toFixed(2)}x`;
const limitW = Math.min(m(figures.plain.write), m(figures.cipher.write));
const limitR = Math.min(m(figures.plain.read), m(figures.cipher.read));
console.log(`\nBlob throughput: ${MB} MiB, median of ${RUNS} runs (MB/s = 10^6 bytes/s)\n`);
console.log(
  renderTable(
    ['target', 'write MB/s', 'read MB/s'],
    [
      ['synapsed blobs', fmt(m(figures.blobs.write)), fmt(m(figures.blobs.read))],
      ['plain file (fs streams)', fmt(m(figures.plain.write)), fmt(m(figures.plain.read))],
      ['raw classic-level, 1 MiB records', fmt(m(figures.level.write)), fmt(m(figures.level.read))],
      ['bare cipher, 64 KiB chunks, 1 core', fmt(m(figures.cipher.write)), fmt(m(figures.cipher.read))],
    ],
  ),
);
console.log('\nRatios (goal: >= 0.7x of the limit = min(plain file, cipher); >= 2x classic-level write, >= 0.7x read)\n');
console.log(
  renderTable(
    ['ratio', 'write', 'read'],
    [
      ['blobs / min(plain, cipher)', ratio(m(figures.blobs.write) / limitW), ratio(m(figures.blobs.read) / limitR)],
      ['blobs / raw classic-level', ratio(m(figures.blobs.write) / m(figures.level.write)), ratio(m(figures.blobs.read) / m(figures.level.read))],
    ],
  ),
);
console.log(`\nPeak RSS growth during the blob write: ${m(figures.blobs.rssWrite).toFixed(1)} MiB; read: ${m(figures.blobs.rssRead).toFixed(1)} MiB (median)\n`);
for (const line of describeEnvironment()) console.log(line);
