/**
 * `bench`: a quick put/get micro-benchmark on a throwaway store, to see
 * what this machine does. Not the project benchmark (bench/, which
 * compares peers with statistics): one pass of each phase, wall time.
 *
 * Phases: single puts (one commit each), batched puts, random gets (the
 * first pass mostly from the memtable; after a flush, from encrypted runs
 * and the block cache), a full scan.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../engine/storage.ts';
import { KDF_FLOOR } from '../../keyring/kdf-params.ts';
import type { Context } from '../context.ts';
import { CliExit, EXIT } from '../exit-codes.ts';

export interface BenchOptions {
  readonly count?: number;
  readonly valueSize?: number;
  readonly memory?: boolean;
  readonly dir?: string;
}

interface Phase {
  readonly name: string;
  readonly ops: number;
  readonly ms: number;
  readonly opsPerSec: number;
  readonly usPerOp: number;
}

function mustCount(option: string, value: number | undefined, fallback: number, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliExit(EXIT.USAGE, 'bad-option', `${option}: expected an integer from 1 to ${max}`);
  return n;
}

/** A deterministic permutation of 0..n-1 (xorshift), so runs are comparable. */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = 0x9e3779b9;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

export async function bench(ctx: Context, options: BenchOptions): Promise<void> {
  const n = mustCount('--count', options.count, 20_000, 10_000_000);
  const valueSize = mustCount('--value-size', options.valueSize, 100, 1024 * 1024);
  const parent = options.dir ?? tmpdir();
  const dir = options.memory === true ? undefined : await mkdtemp(join(parent, 'synapsed-bench-'));
  const phases: Phase[] = [];
  const key = (i: number): string => `bench/${String(i).padStart(10, '0')}`;
  const value = new Uint8Array(valueSize).fill(0x61);
  const time = async (name: string, ops: number, fn: () => Promise<void>): Promise<void> => {
    ctx.throwIfInterrupted();
    const started = performance.now();
    await fn();
    const ms = performance.now() - started;
    phases.push({ name, ops, ms: Math.round(ms * 1000) / 1000, opsPerSec: Math.round(ops / (ms / 1000)), usPerOp: Math.round((ms * 100_000) / ops) / 100 });
  };
  let store: Store | undefined;
  try {
    // A random passphrase at the KDF floor: the store is deleted afterwards.
    store = dir === undefined ? await Store.memory() : (await Store.create(dir, { passphrase: crypto.randomUUID(), kdf: KDF_FLOOR })).store;
    const s = store;
    const single = Math.min(n, 5_000);
    await time('put (one commit each)', single, async () => {
      for (let i = 0; i < single; i++) await s.put(key(i), value);
    });
    await time('put (batches of 1,000)', n, async () => {
      for (let i = 0; i < n; i += 1000) {
        const ops = [];
        for (let j = i; j < Math.min(n, i + 1000); j++) ops.push({ type: 'put' as const, key: key(j), value });
        await s.batch(ops);
      }
    });
    const order = shuffled(n);
    await time('get (random, memtable)', n, async () => {
      for (const i of order) if (s.getSync(key(i)) === undefined) throw new Error(`bench: key ${i} missing`);
    });
    await s.flush();
    await time('get (random, runs, cold cache)', n, async () => {
      for (const i of order) if (s.getSync(key(i)) === undefined) throw new Error(`bench: key ${i} missing`);
    });
    await time('get (random, runs, warm cache)', n, async () => {
      for (const i of order) if (s.getSync(key(i)) === undefined) throw new Error(`bench: key ${i} missing`);
    });
    await time('scan (all, in order)', n, async () => {
      let seen = 0;
      for await (const _ of s.scan({ prefix: 'bench/' })) seen++;
      if (seen !== n) throw new Error(`bench: scan saw ${seen} of ${n}`);
    });
  } finally {
    await store?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
  const where = dir === undefined ? 'memory' : `disk (${parent})`;
  const rows = phases.map((p) => `${p.name.padEnd(32)} ${Math.round(p.opsPerSec).toLocaleString('en-US').padStart(12)} ops/s ${p.usPerOp.toFixed(2).padStart(10)} µs/op`);
  ctx.out.result(
    [`synapsed bench: ${n.toLocaleString('en-US')} keys, ${valueSize}-byte values, ${where}, Node ${process.version}`, ...rows].join('\n'),
    { count: n, valueSize, backend: dir === undefined ? 'memory' : 'disk', node: process.version, phases },
  );
}
