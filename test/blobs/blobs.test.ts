/**
 * BlobStore behaviour on memory and disk stores: round trips of every
 * interesting size through every source and reader kind, random range
 * reads checked against the source, overwrite/abort/rollback semantics,
 * transactions, dedup, delete during a read, list, and bad input.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortedError, BlobNotFoundError, BlobStore, InvalidArgumentError, Store } from '../../src/index.ts';
import { Rng, seedFrom } from '../helpers/store-fixtures.ts';
import { diskFactory, memoryFactory, type StoreFactory } from '../helpers/stores.ts';

const C = 64 * 1024;
const seed = seedFrom('BLOB_SEED');
console.log(`# blob tests seed ${seed} (replay: BLOB_SEED=${seed})`);

async function readAllStream(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** `data` in pieces of random sizes, as an async iterable. */
async function* piecesOf(data: Uint8Array, rng: Rng): AsyncGenerator<Uint8Array> {
  let at = 0;
  while (at < data.length) {
    const n = Math.min(data.length - at, rng.range(1, 3 * C));
    yield data.subarray(at, at + n);
    at += n;
  }
}

async function blobFiles(dir: string | undefined): Promise<string[]> {
  if (dir === undefined) return [];
  try {
    return (await readdir(join(dir, 'blobs'))).sort();
  } catch {
    return [];
  }
}

/** The blob files once `done(files)` holds (file removal runs after the commit, asynchronously), or as they are after 3 s. */
async function settledFiles(dir: string | undefined, done: (files: string[]) => boolean): Promise<string[]> {
  for (let i = 0; i < 300; i++) {
    const files = await blobFiles(dir);
    if (done(files)) return files;
    await new Promise((r) => setTimeout(r, 10));
  }
  return blobFiles(dir);
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const factories: Array<[string, StoreFactory]> = [
  ['memory', memoryFactory()],
  ['disk', diskFactory()],
];

for (const [kind, factory] of factories) {
  describe(`blobs on ${kind}`, () => {
    test('round trips of sizes around the chunk size, through every source and reader', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed);
        const sizes = [0, 1, C - 1, C, C + 1, 2 * C, 3 * C + 17, rng.range(1, 5 * C)];
        const sources = ['bytes', 'iterable', 'readable', 'web'] as const;
        for (const size of sizes) {
          const data = Buffer.from(rng.bytes(size));
          const how = sources[size % sources.length]!;
          const source =
            how === 'bytes' ? data : how === 'iterable' ? piecesOf(data, rng) : how === 'readable' ? Readable.from(piecesOf(data, rng)) : (Readable.toWeb(Readable.from(piecesOf(data, rng))) as ReadableStream<Uint8Array>);
          const id = `sizes/${size}`;
          const info = await h.store.blobs.write(id, source);
          assert.equal(info.size, size, `${id} via ${how}`);
          assert.equal((await h.store.blobs.stat(id))?.size, size);
          assert.ok(data.equals(Buffer.from(await h.store.blobs.read(id))), `read ${id}`);
          assert.ok(data.equals(await readAllStream(h.store.blobs.createReadStream(id))), `node stream ${id}`);
          assert.ok(data.equals(await readAllStream(h.store.blobs.readableWebStream(id) as unknown as AsyncIterable<Uint8Array>)), `web stream ${id}`);
        }
        if (h.reopen !== undefined) {
          await h.reopen();
          for (const size of sizes.slice(0, 6)) assert.equal((await h.store.blobs.read(`sizes/${size}`)).length, size, 'after reopen');
        }
      } finally {
        await h.cleanup();
      }
    });

    test('random range reads agree with the source', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed + 1);
        const data = Buffer.from(rng.bytes(5 * C + 123));
        await h.store.blobs.write('r', data);
        const edges = [0, 1, C - 1, C, C + 1, 2 * C, data.length - 1];
        const ranges: Array<[number, number]> = [];
        for (const a of edges) for (const b of edges) if (b >= a) ranges.push([a, b]);
        for (let i = 0; i < 60; i++) {
          const a = rng.int(data.length);
          ranges.push([a, Math.min(data.length - 1, a + rng.int(2 * C))]);
        }
        for (const [start, end] of ranges) {
          const got = Buffer.from(await h.store.blobs.read('r', { start, end }));
          assert.ok(got.equals(data.subarray(start, end + 1)), `[${start}, ${end}]`);
        }
        // Past the end: clamped, like fs streams.
        assert.equal((await h.store.blobs.read('r', { start: data.length + 10 })).length, 0);
        assert.ok(Buffer.from(await h.store.blobs.read('r', { start: data.length - 5, end: data.length + 100 })).equals(data.subarray(-5)));
        assert.equal((await h.store.blobs.read('r', { start: 7, end: 6 })).length, 0, 'end = start - 1 is an empty range');
        const slice = await readAllStream(h.store.blobs.createReadStream('r', { start: C - 3, end: C + 3 }));
        assert.ok(slice.equals(data.subarray(C - 3, C + 4)));
      } finally {
        await h.cleanup();
      }
    });

    test('overwrite replaces the content whole; the old file goes', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed + 2);
        const v1 = Buffer.from(rng.bytes(3 * C));
        const v2 = Buffer.from(rng.bytes(2 * C + 5));
        const first = await h.store.blobs.write('doc', v1, { contentType: 'application/pdf', metadata: { pages: 3 } });
        const filesAfterV1 = await blobFiles(h.dir);
        await new Promise((r) => setTimeout(r, 5));
        const second = await h.store.blobs.write('doc', v2, { contentType: 'application/pdf' });
        assert.ok(Buffer.from(await h.store.blobs.read('doc')).equals(v2));
        assert.equal(second.created.getTime(), first.created.getTime(), 'created is kept');
        assert.ok(second.modified.getTime() > first.modified.getTime());
        assert.equal(second.metadata, undefined);
        if (h.dir !== undefined) {
          const files = await settledFiles(h.dir, (f) => f.length === 1);
          assert.equal(files.length, 1);
          assert.notDeepEqual(files, filesAfterV1, 'the old file was removed');
        }
      } finally {
        await h.cleanup();
      }
    });

    test('an aborted or failing write leaves the previous version and no file', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed + 3);
        const v1 = Buffer.from(rng.bytes(2 * C));
        await h.store.blobs.write('keep', v1);
        const before = await blobFiles(h.dir);
        const controller = new AbortController();
        async function* slow(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < 100; i++) {
            if (i === 20) controller.abort();
            yield rng.bytes(C / 2);
          }
        }
        await assert.rejects(h.store.blobs.write('keep', slow(), { signal: controller.signal }), AbortedError);
        async function* broken(): AsyncGenerator<Uint8Array> {
          yield rng.bytes(3 * C);
          throw new Error('source failed');
        }
        await assert.rejects(h.store.blobs.write('keep', broken()), /source failed/);
        await assert.rejects(h.store.blobs.write('new', broken()), /source failed/);
        assert.ok(Buffer.from(await h.store.blobs.read('keep')).equals(v1));
        assert.equal(await h.store.blobs.has('new'), false);
        assert.deepEqual(await blobFiles(h.dir), before, 'no partial file left');
      } finally {
        await h.cleanup();
      }
    });

    test('createWriteStream: finish after the commit, destroy aborts', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed + 4);
        const data = Buffer.from(rng.bytes(4 * C + 99));
        const ws = h.store.blobs.createWriteStream('ws', { contentType: 'text/plain' });
        let visibleAtFinish = false;
        ws.on('finish', () => {
          // Checked synchronously inside the event: the blob must already be committed.
          void h.store.blobs.has('ws').then((v) => {
            visibleAtFinish = v;
          });
        });
        await pipeline(Readable.from(piecesOf(data, rng)), ws);
        const info = await ws.done;
        assert.equal(info.size, data.length);
        await new Promise((r) => setImmediate(r));
        assert.ok(visibleAtFinish);
        assert.ok(Buffer.from(await h.store.blobs.read('ws')).equals(data));

        const before = await blobFiles(h.dir);
        const broken = h.store.blobs.createWriteStream('ws2');
        broken.on('error', () => undefined); // a destroyed Writable emits its error; the test checks it through done
        broken.write(rng.bytes(3 * C));
        await new Promise((r) => setTimeout(r, 20));
        broken.destroy(new Error('client went away'));
        await assert.rejects(broken.done, /client went away/);
        assert.equal(await h.store.blobs.has('ws2'), false);
        assert.deepEqual(await settledFiles(h.dir, (f) => same(f, before)), before);
      } finally {
        await h.cleanup();
      }
    });

    test('a blob write joins a store transaction: both commit, or neither', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed + 5);
        const data = Buffer.from(rng.bytes(2 * C + 1));
        await h.store.transaction(async (tx) => {
          await h.store.blobs.in(tx).write('att/1', data);
          await tx.put('msg/1', 'has attachment att/1');
          assert.equal(await h.store.blobs.has('att/1'), false, 'invisible outside before commit');
          assert.equal((await h.store.blobs.in(tx).stat('att/1'))?.size, data.length, 'visible inside');
        });
        assert.ok(Buffer.from(await h.store.blobs.read('att/1')).equals(data));
        const before = await blobFiles(h.dir);
        await assert.rejects(
          h.store.transaction(async (tx) => {
            await h.store.blobs.in(tx).write('att/2', rng.bytes(3 * C));
            await h.store.blobs.in(tx).delete('att/1');
            await tx.put('msg/2', 'x');
            throw new Error('rolled back');
          }),
          /rolled back/,
        );
        assert.equal(await h.store.blobs.has('att/2'), false);
        assert.equal(await h.store.get('msg/2'), undefined);
        assert.ok(Buffer.from(await h.store.blobs.read('att/1')).equals(data), 'the delete rolled back too');
        assert.deepEqual(await settledFiles(h.dir, (f) => same(f, before)), before, 'the rolled-back write left no file');
        await h.store.transaction(async (tx) => {
          assert.equal(await h.store.blobs.in(tx).delete('att/1'), true);
          assert.equal(await h.store.blobs.in(tx).has('att/1'), false);
        });
        assert.equal(await h.store.blobs.has('att/1'), false);
      } finally {
        await h.cleanup();
      }
    });

    test('dedup: identical contents share one stored copy until the last name goes', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed + 6);
        const data = Buffer.from(rng.bytes(2 * C + 7));
        await h.store.blobs.write('a', data, { dedup: true });
        await h.store.blobs.write('b', piecesOf(data, rng), { dedup: true });
        await h.store.blobs.write('c', data); // not deduplicated: its own copy
        if (h.dir !== undefined) {
          assert.equal((await settledFiles(h.dir, (f) => f.length === 2)).length, 2, 'a and b share a file, c has its own');
        }
        assert.equal(await h.store.blobs.delete('a'), true);
        assert.ok(Buffer.from(await h.store.blobs.read('b')).equals(data), 'b survives a delete of a');
        await h.store.blobs.write('b', data, { dedup: true }); // rewrite with the same content
        assert.ok(Buffer.from(await h.store.blobs.read('b')).equals(data));
        assert.equal(await h.store.blobs.delete('b'), true);
        assert.equal(await h.store.blobs.delete('b'), false);
        assert.ok(Buffer.from(await h.store.blobs.read('c')).equals(data));
        await h.store.blobs.delete('c');
        assert.deepEqual(await settledFiles(h.dir, (f) => f.length === 0), []);
        await h.store.blobs.write('small1', 'tiny', { dedup: true });
        await h.store.blobs.write('small2', 'tiny', { dedup: true });
        assert.equal(new TextDecoder().decode(await h.store.blobs.read('small2')), 'tiny');
      } finally {
        await h.cleanup();
      }
    });

    test('a delete during a read lets the reader finish with the right bytes', async () => {
      const h = await factory();
      try {
        const rng = new Rng(seed + 7);
        const data = Buffer.from(rng.bytes(40 * C));
        await h.store.blobs.write('big', data);
        const stream = h.store.blobs.createReadStream('big');
        const parts: Buffer[] = [];
        let deleted = false;
        for await (const part of stream) {
          parts.push(part as Buffer);
          if (!deleted) {
            deleted = true;
            assert.equal(await h.store.blobs.delete('big'), true);
            await h.store.blobs.write('big', 'replaced');
          }
        }
        assert.ok(Buffer.concat(parts).equals(data));
        assert.equal(new TextDecoder().decode(await h.store.blobs.read('big')), 'replaced');
        assert.deepEqual(await settledFiles(h.dir, (f) => f.length === 0), [], 'the old file went once its reader finished');
      } finally {
        await h.cleanup();
      }
    });

    test('list by prefix, in id order, with limit; missing blobs', async () => {
      const h = await factory();
      try {
        for (const id of ['b/2', 'a/1', 'b/1', 'c', 'b/10']) await h.store.blobs.write(id, id);
        const ids = async (o?: object): Promise<string[]> => {
          const out: string[] = [];
          for await (const info of h.store.blobs.list(o)) out.push(info.id);
          return out;
        };
        assert.deepEqual(await ids(), ['a/1', 'b/1', 'b/10', 'b/2', 'c']);
        assert.deepEqual(await ids({ prefix: 'b/' }), ['b/1', 'b/10', 'b/2']);
        assert.deepEqual(await ids({ prefix: 'b/', limit: 2 }), ['b/1', 'b/10']);
        assert.equal(await h.store.blobs.stat('zzz'), undefined);
        assert.equal(await h.store.blobs.has('zzz'), false);
        await assert.rejects(h.store.blobs.read('zzz'), (e: unknown) => e instanceof BlobNotFoundError && e.code === 'SYN_BLOB_NOT_FOUND' && e.id === 'zzz');
        await assert.rejects(readAllStream(h.store.blobs.createReadStream('zzz')), BlobNotFoundError);
        assert.equal(BlobStore.of(h.store), h.store.blobs, 'one blob store per store');
      } finally {
        await h.cleanup();
      }
    });
  });
}

test('bad arguments get InvalidArgumentError naming the argument', async () => {
  const store = await Store.memory();
  try {
    const b = store.blobs;
    const bad = async (fn: () => unknown, argument: string): Promise<void> => {
      await assert.rejects(async () => fn(), (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument, argument);
    };
    await bad(() => b.write('', 'x'), 'id');
    await bad(() => b.write(5 as unknown as string, 'x'), 'id');
    await bad(() => b.write('x'.repeat(5000), 'x'), 'id');
    await bad(() => b.write('a', 42 as unknown as Uint8Array), 'source');
    await bad(() => b.write('a', null as unknown as Uint8Array), 'source');
    await bad(() => b.write('a', [1, 2] as unknown as Uint8Array), 'source');
    await bad(() => b.write('a', 'x', { contentType: 7 as unknown as string }), 'options.contentType');
    await bad(() => b.write('a', 'x', { metadata: { d: new Date() as unknown as string } }), 'options.metadata.d');
    await bad(() => b.write('a', 'x', { metadata: [] as unknown as Record<string, string> }), 'options.metadata');
    await bad(() => b.write('a', 'x', { dedup: 'yes' as unknown as boolean }), 'options.dedup');
    await bad(() => b.write('a', 'x', { signal: {} as AbortSignal }), 'options.signal');
    await bad(() => b.write('a', 'x', { onProgress: 1 as unknown as () => void }), 'options.onProgress');
    await bad(() => b.read('a', { start: -1 }), 'options.start');
    await bad(() => b.read('a', { start: 1.5 }), 'options.start');
    await bad(() => b.read('a', { start: 10, end: 5 }), 'options.end');
    await bad(() => b.createReadStream('a', 'x' as unknown as object), 'options');
    await bad(() => b.list({ prefix: 3 as unknown as string }), 'options.prefix');
    await bad(() => b.list({ limit: -1 }), 'options.limit');
    await bad(() => b.in({} as never), 'tx');
    await bad(() => b.delete(''), 'id');
    await bad(() => BlobStore.of({} as Store), 'store');
    const used = Readable.from([Buffer.from('abc')]);
    for await (const _ of used) break;
    await bad(() => b.write('a', used), 'source');
    const web = new ReadableStream<Uint8Array>();
    web.getReader();
    await bad(() => b.write('a', web), 'source');
    // A source of the wrong element type fails the write, with nothing stored.
    await bad(() => b.write('a', (async function* () { yield 5 as unknown as Uint8Array; })()), 'source');
    assert.equal(await b.has('a'), false);
  } finally {
    await store.close();
  }
});

test('progress is reported and the write is aborted by a signal already fired', async () => {
  const store = await Store.memory();
  try {
    const seen: number[] = [];
    await store.blobs.write('p', new Uint8Array(40 * C), { onProgress: (p) => seen.push(p.bytes) });
    assert.ok(seen.length >= 2, 'several progress reports');
    assert.equal(seen.at(-1), 40 * C);
    assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'monotonic');
    await assert.rejects(store.blobs.write('q', 'x', { signal: AbortSignal.abort() }), AbortedError);
    await assert.rejects(store.blobs.read('p', { signal: AbortSignal.abort() }), AbortedError);
  } finally {
    await store.close();
  }
});

test('closing the store aborts a write in progress and fails a read in progress, cleanly', async (t) => {
  const h = await diskFactory()();
  t.after(() => h.cleanup());
  await h.store.blobs.write('r', new Uint8Array(64 * C));
  const stream = h.store.blobs.createReadStream('r');
  const reading = readAllStream(stream).then(() => 'done', (e: Error) => (e as { code?: string }).code);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  async function* stalled(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(3 * C);
    await gate;
    yield new Uint8Array(C);
  }
  const writing = h.store.blobs.write('w', stalled()).then(() => 'done', (e: Error) => (e as { code?: string }).code);
  await new Promise((r) => setTimeout(r, 30));
  const closing = h.store.close();
  release();
  await closing;
  assert.equal(await writing, 'SYN_CLOSED');
  assert.ok(['done', 'SYN_CLOSED'].includes((await reading) as string));
  const reopened = await h.reopen!();
  assert.equal(await reopened.blobs.has('w'), false);
  assert.equal((await reopened.blobs.read('r')).length, 64 * C);
  assert.equal((await settledFiles(h.dir, (f) => f.length === 1)).length, 1, 'the aborted write left no file');
});

test('a Writable sink of a read stream sees backpressure: memory stays bounded', async () => {
  const store = await Store.memory();
  try {
    await store.blobs.write('bp', new Uint8Array(200 * C));
    let maxBuffered = 0;
    const source = store.blobs.createReadStream('bp');
    let total = 0;
    const sink = new Writable({
      highWaterMark: C,
      write(chunk: Buffer, _e, cb) {
        total += chunk.length;
        maxBuffered = Math.max(maxBuffered, source.readableLength);
        setImmediate(cb);
      },
    });
    await pipeline(source, sink);
    assert.equal(total, 200 * C);
    assert.ok(maxBuffered <= 2 * C, `the reader stayed ahead by at most its high-water mark (saw ${maxBuffered})`);
  } finally {
    await store.close();
  }
});
