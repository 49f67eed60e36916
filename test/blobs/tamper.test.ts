/**
 * Attacks on blob files of a store on disk, each caught as
 * IntegrityError('blob-chunk', '<id>#<chunk>') before any byte of the bad
 * chunk is delivered: bit flips, truncation (inside a chunk and at a chunk
 * boundary), reordered chunks, chunks spliced in from another blob, whole
 * files swapped between blobs, a missing file. Bytes before the damage are
 * delivered and right; ranges that avoid the damage still read.
 * Also: no plaintext anywhere on disk, and orphan files collected at open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrityError, Store, type Store as StoreType } from '../../src/index.ts';
import { createStore, findNeedles, markerNeedles, Rng, seedFrom, tempDir, type Needle } from '../helpers/store-fixtures.ts';

const C = 64 * 1024;
const SEALED = C + 16;
const HEADER = 8;
const seed = seedFrom('BLOB_TAMPER_SEED');
console.log(`# blob tamper seed ${seed} (replay: BLOB_TAMPER_SEED=${seed})`);

async function newFile(dir: string, before: readonly string[]): Promise<string> {
  const now = await readdir(join(dir, 'blobs'));
  const added = now.filter((f) => !before.includes(f));
  assert.equal(added.length, 1);
  return join(dir, 'blobs', added[0]!);
}

async function filesOf(dir: string): Promise<string[]> {
  return readdir(join(dir, 'blobs')).catch(() => []);
}

/** Reads blob `id`, returning the bytes delivered before an error and the error. */
async function readUntilError(store: StoreType, id: string, options?: { start?: number; end?: number }): Promise<{ got: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of store.blobs.createReadStream(id, options)) parts.push(part as Buffer);
    return { got: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { got: Buffer.concat(parts), error };
  }
}

function assertChunkError(error: unknown, id: string, chunk: number): void {
  assert.ok(error instanceof IntegrityError, `expected IntegrityError, got ${String(error)}`);
  assert.equal(error.code, 'SYN_INTEGRITY');
  assert.equal(error.where, 'blob-chunk');
  assert.equal(error.id, `${id}#${chunk}`);
}

async function setup(t: { after(fn: () => Promise<void> | void): void }): Promise<{ dir: string; store: StoreType; code: string; data: Buffer; file: string; reopen: () => Promise<StoreType> }> {
  // One hook closes the store, then removes the folder (hooks registered separately could run in the wrong order).
  const dir = await mkdtemp(join(tmpdir(), 'synapsed-blob-tamper-'));
  const { store, recoveryCode } = await createStore(dir);
  const data = Buffer.from(new Rng(seed).bytes(6 * C + 1000));
  await store.blobs.write('victim', data);
  const file = await newFile(dir, []);
  const ctx = {
    dir, store, code: recoveryCode, data, file,
    reopen: async () => {
      await ctx.store.close();
      ctx.store = await Store.open(dir, { recoveryCode });
      return ctx.store;
    },
  };
  t.after(async () => {
    await ctx.store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return ctx;
}

test('a flipped bit in chunk k fails exactly the reads that touch chunk k, after delivering the good prefix', async (t) => {
  const ctx = await setup(t);
  const rng = new Rng(seed + 1);
  for (let round = 0; round < 6; round++) {
    const k = rng.int(7);
    const sealedLen = k === 6 ? 1000 + 16 : SEALED;
    const bytes = await readFile(ctx.file);
    const at = HEADER + k * SEALED + rng.int(sealedLen);
    const bit = 1 << rng.int(8);
    bytes[at]! ^= bit;
    await writeFile(ctx.file, bytes);
    const store = await ctx.reopen();
    const { got, error } = await readUntilError(store, 'victim');
    assertChunkError(error, 'victim', k);
    assert.ok(got.length <= k * C, 'nothing of the damaged chunk was delivered');
    assert.ok(got.equals(ctx.data.subarray(0, got.length)), 'what was delivered is right');
    // A range that avoids chunk k still reads.
    const other = k === 0 ? 1 : 0;
    const range = { start: other * C, end: other * C + 99 };
    assert.ok(Buffer.from(await store.blobs.read('victim', range)).equals(ctx.data.subarray(range.start, range.end + 1)));
    bytes[at]! ^= bit;
    await writeFile(ctx.file, bytes);
  }
  const store = await ctx.reopen();
  assert.ok(Buffer.from(await store.blobs.read('victim')).equals(ctx.data), 'restored file reads again');
});

test('truncation inside the last chunk and at a chunk boundary is detected', async (t) => {
  const ctx = await setup(t);
  const original = await readFile(ctx.file);
  await truncate(ctx.file, original.length - 1);
  let store = await ctx.reopen();
  assertChunkError((await readUntilError(store, 'victim')).error, 'victim', 6);
  // Cut exactly after chunk 3: the stream now "ends" on a chunk sealed as not-last.
  await truncate(ctx.file, HEADER + 4 * SEALED);
  store = await ctx.reopen();
  const { got, error } = await readUntilError(store, 'victim');
  assertChunkError(error, 'victim', 4);
  assert.ok(got.equals(ctx.data.subarray(0, 4 * C)));
  await truncate(ctx.file, 0);
  store = await ctx.reopen();
  assertChunkError((await readUntilError(store, 'victim', { start: 2 * C })).error, 'victim', 2);
});

test('reordered chunks, chunks spliced from another blob, swapped files and a missing file are detected', async (t) => {
  const ctx = await setup(t);
  const otherData = randomBytes(6 * C + 1000);
  await ctx.store.blobs.write('other', otherData);
  const otherFile = await newFile(ctx.dir, [ctx.file.split('/').pop()!]);
  const original = await readFile(ctx.file);

  // Swap chunks 1 and 2 (same length).
  const swapped = Buffer.from(original);
  original.copy(swapped, HEADER + 1 * SEALED, HEADER + 2 * SEALED, HEADER + 3 * SEALED);
  original.copy(swapped, HEADER + 2 * SEALED, HEADER + 1 * SEALED, HEADER + 2 * SEALED);
  await writeFile(ctx.file, swapped);
  let store = await ctx.reopen();
  assertChunkError((await readUntilError(store, 'victim')).error, 'victim', 1);

  // Chunk 3 of the other blob at the same position.
  const spliced = Buffer.from(original);
  (await readFile(otherFile)).copy(spliced, HEADER + 3 * SEALED, HEADER + 3 * SEALED, HEADER + 4 * SEALED);
  await writeFile(ctx.file, spliced);
  store = await ctx.reopen();
  assertChunkError((await readUntilError(store, 'victim')).error, 'victim', 3);

  // Whole files swapped between the two blobs.
  await writeFile(ctx.file, original);
  const tmp = `${ctx.file}.tmp`;
  await rename(ctx.file, tmp);
  await rename(otherFile, ctx.file);
  await rename(tmp, otherFile);
  store = await ctx.reopen();
  assertChunkError((await readUntilError(store, 'victim')).error, 'victim', 0);
  assertChunkError((await readUntilError(store, 'other')).error, 'other', 0);

  // A missing file.
  await rm(ctx.file);
  store = await ctx.reopen();
  assertChunkError((await readUntilError(store, 'victim')).error, 'victim', 0);
  // Stat and list still work: the names and sizes are intact.
  assert.equal((await store.blobs.stat('victim'))?.size, ctx.data.length);
  // verify() names exactly the damaged blobs.
  await store.blobs.write('fine', 'ok');
  const progress: number[] = [];
  const report = await store.blobs.verify({ onProgress: (p) => progress.push(p.blobs) });
  assert.deepEqual(report.problems.map((p) => p.id).sort(), ['other', 'victim']);
  for (const p of report.problems) assert.ok(p.error instanceof IntegrityError && p.error.where === 'blob-chunk');
  assert.equal(report.blobs, 1);
  assert.equal(report.bytes, 2);
  assert.ok(progress.length >= 1);
});

test('no plaintext on disk: blob bytes, ids, content types and metadata, for inline, chunked, overwritten and aborted blobs', async (t) => {
  const dir = await tempDir(t);
  const { store } = await createStore(dir);
  const needles: Needle[] = [];
  const marker = (label: string): Buffer => {
    const m = Buffer.from(`MARK${randomBytes(12).toString('hex')}`);
    needles.push(...markerNeedles(m, label));
    return m;
  };
  const small = marker('small blob');
  await store.blobs.write('small', small);
  const bigMarker = marker('big blob');
  const big = Buffer.concat(Array.from({ length: 3000 }, () => bigMarker));
  await store.blobs.write('big', big);
  const idMarker = marker('blob id').toString();
  await store.blobs.write(`photos/${idMarker}.jpg`, 'x', { contentType: marker('content type').toString(), metadata: { caption: marker('metadata').toString() } });
  const overwritten = marker('overwritten version');
  await store.blobs.write('over', Buffer.concat(Array.from({ length: 3000 }, () => overwritten)));
  await store.blobs.write('over', 'new');
  const aborted = marker('aborted write');
  const controller = new AbortController();
  await assert.rejects(
    store.blobs.write('gone', (async function* () {
      for (let i = 0; i < 100; i++) {
        if (i === 50) controller.abort();
        yield Buffer.concat(Array.from({ length: 100 }, () => aborted));
      }
    })(), { signal: controller.signal }),
  );
  const dedup = marker('dedup blob');
  await store.blobs.write('d1', Buffer.concat(Array.from({ length: 3000 }, () => dedup)), { dedup: true });
  await store.blobs.write('d2', Buffer.concat(Array.from({ length: 3000 }, () => dedup)), { dedup: true });
  assert.deepEqual(await findNeedles(dir, needles), [], 'while open');
  await store.close();
  assert.deepEqual(await findNeedles(dir, needles), [], 'after close');
});

test('orphan files (a crash between data and commit) are removed at the next open; referenced files are kept', async (t) => {
  const ctx = await setup(t);
  const orphan = join(ctx.dir, 'blobs', `${randomBytes(16).toString('hex')}.blob`);
  await copyFile(ctx.file, orphan);
  const unrelated = join(ctx.dir, 'blobs', 'notes.txt');
  await writeFile(unrelated, 'not ours');
  const store = await ctx.reopen();
  assert.equal(await store.blobs.has('victim'), true); // first use runs the collection
  const files = await filesOf(ctx.dir);
  assert.ok(!files.includes(orphan.split('/').pop()!), 'orphan removed');
  assert.ok(files.includes(ctx.file.split('/').pop()!), 'live file kept');
  assert.ok(files.includes('notes.txt'), 'files that are not blob files are left alone');
  assert.ok(Buffer.from(await store.blobs.read('victim')).equals(ctx.data));
});
