/**
 * store.verify(): a healthy store reports ok with what it checked; damaged
 * blocks, large values and header copies are each reported by kind and
 * location (blocks with their key range), without changing anything, and
 * the store stays usable for every intact key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { InvalidArgumentError, KDF_FLOOR, Store } from '../../../src/index.ts';
import { text } from '../../helpers/stores.ts';

const OPTIONS = { memtableBytes: 4096, blockBytes: 512, largeValueBytes: 64 } as const;

async function loaded(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; code: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'synapsed-verify-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { store, recoveryCode } = await Store.create(dir, { passphrase: 'p', kdf: KDF_FLOOR, ...OPTIONS });
  for (let i = 0; i < 300; i++) await store.put(`k${String(i).padStart(4, '0')}`, i % 10 === 0 ? 'L'.repeat(200) : `v${i}`);
  await store.flush();
  await store.close();
  return { dir, code: recoveryCode.reveal() };
}

/** Flips one bit in the first record whose key starts with `prefix` (raw LevelDB, store closed). */
async function flipFirst(dir: string, prefix: number): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  for await (const [key, value] of db.iterator({ gte: new Uint8Array([prefix]), lt: new Uint8Array([prefix + 1]), limit: 1 })) {
    const damaged = value.slice();
    damaged[damaged.length - 5] = (damaged[damaged.length - 5] as number) ^ 0x01;
    await db.put(key, damaged);
  }
  await db.close();
}

test('a healthy store verifies clean, with progress to completion', async (t) => {
  const { dir, code } = await loaded(t);
  const store = await Store.open(dir, { recoveryCode: code, ...OPTIONS });
  const progress: Array<[number, number]> = [];
  const report = await store.verify({ onProgress: (p) => progress.push([p.done, p.total]) });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.checked.headerCopies, 2);
  assert.ok(report.checked.blocks > 5 && report.checked.largeValues >= 30 && report.checked.runs >= 1);
  const last = progress.at(-1) as [number, number];
  assert.equal(last[0], last[1]);
  await assert.rejects(store.verify({ signal: 'x' as never }), InvalidArgumentError);
  await store.close();
});

test('a damaged block and a damaged large value are reported with their location and key range; the rest still reads', async (t) => {
  const { dir, code } = await loaded(t);
  await flipFirst(dir, 0x42);
  await flipFirst(dir, 0x56);
  const store = await Store.open(dir, { recoveryCode: code, ...OPTIONS });
  const report = await store.verify();
  assert.equal(report.ok, false);
  const block = report.problems.find((p) => p.where === 'block');
  const large = report.problems.find((p) => p.where === 'large-value');
  assert.ok(block !== undefined && block.code === 'SYN_INTEGRITY' && /^run \d+ block 0$/.test(block.id));
  assert.ok(block.firstKey !== undefined && block.lastKey !== undefined);
  assert.ok(large !== undefined && large.code === 'SYN_INTEGRITY');
  assert.equal(report.problems.length, 2);
  // Keys outside the damaged block still read.
  const outside = `k${String(299).padStart(4, '0')}`;
  if (text(block.lastKey.subarray(1)) !== undefined && outside > (text(block.lastKey.subarray(1)) as string)) assert.equal(text(await store.get(outside)), 'v299');
  await store.close();
});

test('a header copy damaged while the store is open is reported', async (t) => {
  const { dir, code } = await loaded(t);
  const store = await Store.open(dir, { recoveryCode: code, ...OPTIONS });
  await writeFile(join(dir, 'HEADER-B'), 'not a header');
  const report = await store.verify();
  assert.deepEqual(report.problems.map((p) => [p.where, p.id]), [['header', 'copy 1']]);
  await store.close();
});
