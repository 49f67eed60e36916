/**
 * A generated stream of any size (default 2 GiB) written as one blob and
 * read back, checked by SHA-256 on both sides, with peak RSS growth over
 * the baseline recorded for the write and the read (issue 6 goal: under
 * 64 MiB, flat in the blob's size).
 *
 *   npx tsx fuzz/blob-large.ts                 2 GiB on disk
 *   npx tsx fuzz/blob-large.ts --mb=8192 --dir=/big/disk
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KDF_FLOOR, Store } from '../src/index.ts';

function arg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const MB = Number(arg('mb') ?? 2048);
const PIECE = 1024 * 1024;
const dir = await mkdtemp(join(arg('dir') ?? tmpdir(), 'synapsed-blob-large-'));

/** Pseudo-random pieces (xorshift), never the same twice. */
async function* generated(hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  let x = 0x9e3779b9;
  for (let i = 0; i < MB; i++) {
    const words = new Uint32Array(PIECE / 4);
    for (let j = 0; j < words.length; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[j] = x >>> 0;
    }
    const bytes = new Uint8Array(words.buffer);
    hash.update(bytes);
    yield bytes;
  }
}

function sampler(): { stop: () => number } {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return (Math.max(peak, process.memoryUsage().rss) - base) / 2 ** 20;
    },
  };
}

try {
  const { store } = await Store.create(join(dir, 'store'), { passphrase: 'large blob', kdf: KDF_FLOOR });
  const written = createHash('sha256');
  let s = sampler();
  let t = performance.now();
  const info = await store.blobs.write('large', generated(written));
  const writeSeconds = (performance.now() - t) / 1000;
  const writeRss = s.stop();
  const read = createHash('sha256');
  s = sampler();
  t = performance.now();
  let bytes = 0;
  for await (const piece of store.blobs.createReadStream('large')) {
    read.update(piece as Buffer);
    bytes += (piece as Buffer).length;
  }
  const readSeconds = (performance.now() - t) / 1000;
  const readRss = s.stop();
  await store.close();
  const same = written.digest('hex') === read.digest('hex');
  console.log(`blob of ${MB} MiB: size ${info.size}, read ${bytes} bytes, sha256 ${same ? 'equal' : 'DIFFERENT'}`);
  console.log(`write ${(MB * PIECE / 1e6 / writeSeconds).toFixed(0)} MB/s (generator included), peak RSS growth ${writeRss.toFixed(1)} MiB`);
  console.log(`read  ${(MB * PIECE / 1e6 / readSeconds).toFixed(0)} MB/s (hashing included), peak RSS growth ${readRss.toFixed(1)} MiB`);
  if (!same || bytes !== MB * PIECE) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
