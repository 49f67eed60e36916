/**
 * The store the read workloads share: n records loaded in batches of 1,000
 * (relaxed), flushed, closed (bytes on disk are measured here, after close),
 * then reopened with the open timed, so reads hit the engine's on-disk form
 * with cold caches. Reopening an empty store of the same target is timed
 * too: the difference is the cost of the data (the goal is under
 * 1 s beyond key derivation at 1,000,000 records).
 * Memory stores are loaded and flushed, never closed or reopened.
 */
import { rm } from 'node:fs/promises';
import { KEY_BYTES, VALUE_BYTES } from './dataset.ts';
import { writeAmp, type Context, type LoadedStore } from './workload.ts';
import { bytesOnDisk, type Entry, type KvStore } from '../targets/target.ts';

const BATCH = 1000;

/** Median of three timed reopens of an empty store, in ms. */
async function reopenEmpty(ctx: Context): Promise<number> {
  const dir = ctx.freshDir('empty');
  await (await ctx.target.create(dir, { durability: 'relaxed' })).close();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const store = await ctx.target.reopen(dir, { durability: 'relaxed' });
    times.push(performance.now() - started);
    await store.close();
  }
  await rm(dir, { recursive: true, force: true });
  return times.sort((a, b) => a - b)[1] as number;
}

export async function loadStore(ctx: Context): Promise<LoadedStore> {
  const { target, data } = ctx;
  const dir = ctx.freshDir('loaded');
  const options = { durability: 'relaxed' } as const;
  let store: KvStore = await target.create(dir, options);
  const started = performance.now();
  for (let from = 0; from < data.n; from += BATCH) {
    const entries: Entry[] = [];
    for (let i = from; i < Math.min(from + BATCH, data.n); i++) entries.push([data.key(i), data.value(i)]);
    await store.batch(entries);
  }
  await store.flush?.();
  const loadRate = data.n / ((performance.now() - started) / 1000);
  if (!target.persistent) return { store, loadRate, bytesOnDisk: undefined, reopenMs: undefined, reopenEmptyMs: undefined, writeAmp: undefined };
  await store.close();
  const amp = writeAmp(store.writeStats?.(), data.n * (KEY_BYTES + VALUE_BYTES));
  const bytes = await bytesOnDisk(dir);
  const reopenStarted = performance.now();
  store = await target.reopen(dir, options);
  const reopenMs = performance.now() - reopenStarted;
  return { store, loadRate, bytesOnDisk: bytes, reopenMs, reopenEmptyMs: await reopenEmpty(ctx), writeAmp: amp };
}
