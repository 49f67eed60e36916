/**
 * Importers: a plaintext LevelDB directory and NDJSON {key, value} lines,
 * streamed into an encrypted store in batches with progress and abort. The
 * source is only read (its records, or its file bytes, are the same after),
 * the store holds exactly the source's entries, and the store's directory
 * holds none of their bytes in the clear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import {
  AbortedError, InvalidArgumentError, KDF_FLOOR, Store, StoreLockedError, StoreNotFoundError, importLevel, importNdjson, type ImportProgress,
} from '../../src/index.ts';
import { findNeedles, markerNeedles, tempDir } from '../helpers/store-fixtures.ts';

type Level = ClassicLevel<Uint8Array, Uint8Array>;
const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function newStore(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; store: Store }> {
  const dir = await tempDir(t, 'synapsed-import-store-');
  const { store } = await Store.create(dir, { passphrase: 'import', kdf: KDF_FLOOR });
  return { dir, store };
}

/** A plaintext LevelDB of `n` entries carrying `marker`, some with binary keys; closed. */
async function plaintextLevel(t: Parameters<typeof tempDir>[0], n: number, marker: Buffer): Promise<{ dir: string; entries: Map<string, string> }> {
  const dir = join(await tempDir(t, 'synapsed-import-src-'), 'legacy-db');
  const db: Level = new ClassicLevel(dir, VIEW);
  await db.open();
  const entries = new Map<string, string>();
  const ops = [];
  for (let i = 0; i < n; i++) {
    const key = i % 10 === 0 ? new Uint8Array([0, 0xff, i & 0xff, i >> 8]) : new Uint8Array(Buffer.from(`user/${String(i).padStart(5, '0')}`));
    const value = new Uint8Array(Buffer.concat([marker, Buffer.from(` record ${i} `), randomBytes(i % 50)]));
    entries.set(hex(key), hex(value));
    ops.push({ type: 'put' as const, key, value });
  }
  await db.batch(ops);
  await db.close();
  return { dir, entries };
}

async function levelRecords(dir: string): Promise<Map<string, string>> {
  const db: Level = new ClassicLevel(dir, { ...VIEW, createIfMissing: false });
  await db.open();
  try {
    const out = new Map<string, string>();
    for await (const [k, v] of db.iterator()) out.set(hex(k), hex(v));
    return out;
  } finally {
    await db.close();
  }
}

async function storeRecords(store: Store, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [k, v] of store.scan()) {
    const key = Buffer.from(k);
    out.set(key.subarray(Buffer.byteLength(prefix)).toString('hex'), hex(v));
  }
  return out;
}

test('a plaintext LevelDB is imported whole, in batches with progress; the source records are unchanged and the store holds no plaintext', async (t) => {
  const marker = randomBytes(16);
  const source = await plaintextLevel(t, 2500, marker);
  const { dir, store } = await newStore(t);
  const progress: ImportProgress[] = [];
  const result = await importLevel(store, source.dir, { batchSize: 400, onProgress: (p) => progress.push(p) });
  assert.equal(result.entries, 2500);
  assert.deepEqual(progress.map((p) => p.entries), [400, 800, 1200, 1600, 2000, 2400, 2500]);
  assert.ok(progress.every((p, i) => i === 0 || p.bytes > (progress[i - 1] as ImportProgress).bytes), 'bytes grow');
  assert.deepEqual(await storeRecords(store), source.entries, 'every entry, byte for byte (binary keys included)');
  await store.close();
  assert.deepEqual(await levelRecords(source.dir), source.entries, 'the source still holds every record');
  assert.deepEqual(await findNeedles(dir, markerNeedles(marker, 'imported marker')), [], 'no plaintext in the store directory');
  assert.notDeepEqual(await findNeedles(source.dir, markerNeedles(marker, 'marker')), [], 'control: the marker is in the plaintext source');
});

test('a prefix places the import under a key prefix; an aborted import stops between batches and a rerun completes it', async (t) => {
  const source = await plaintextLevel(t, 1200, randomBytes(8));
  const { store } = await newStore(t);
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    importLevel(store, source.dir, { prefix: 'legacy/', batchSize: 100, signal: controller.signal, onProgress: (p) => {
      seen = p.entries;
      if (p.entries >= 300) controller.abort();
    } }),
    (e: unknown) => e instanceof AbortedError && e.code === 'SYN_ABORTED',
  );
  assert.equal(seen, 300);
  assert.equal((await storeRecords(store, 'legacy/')).size, 300, 'the batches before the abort stay');
  const again = await importLevel(store, source.dir, { prefix: 'legacy/' });
  assert.equal(again.entries, 1200);
  assert.deepEqual(await storeRecords(store, 'legacy/'), source.entries, 'idempotent: a rerun completes it');
  await store.close();
});

test('a missing or busy LevelDB source is a typed error, and bad arguments are refused', async (t) => {
  const source = await plaintextLevel(t, 3, randomBytes(8));
  const { store } = await newStore(t);
  await assert.rejects(importLevel(store, join(source.dir, 'nope')), (e: unknown) => e instanceof StoreNotFoundError && e.code === 'SYN_STORE_NOT_FOUND');
  const busy: Level = new ClassicLevel(source.dir, VIEW);
  await busy.open();
  try {
    await assert.rejects(importLevel(store, source.dir), (e: unknown) => e instanceof StoreLockedError && e.code === 'SYN_STORE_LOCKED');
  } finally {
    await busy.close();
  }
  await assert.rejects(importLevel({} as never, source.dir), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'target');
  await assert.rejects(importLevel(store, ''), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'sourceDir');
  await assert.rejects(importLevel(store, source.dir, { batchSize: 0 }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.batchSize');
  await assert.rejects(importLevel(store, source.dir, { onProgress: 1 as never }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.onProgress');
  await store.close();
});

test('an NDJSON file is imported with progress against its size; the file is unchanged and the store holds no plaintext', async (t) => {
  const marker = randomBytes(12).toString('hex');
  const srcDir = await tempDir(t, 'synapsed-import-src-');
  const path = join(srcDir, 'export.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < 700; i++) lines.push(JSON.stringify({ key: `note/${i}`, value: `${marker} note ${i}` }));
  lines.push('', JSON.stringify({ key: { $bytes: Buffer.from([0, 1, 2]).toString('base64') }, value: { $bytes: Buffer.from([0xde, 0xad]).toString('base64') } }));
  lines.push(JSON.stringify({ key: 'json', value: { name: 'Ada', tags: [1, 2] } }));
  await writeFile(path, `${lines.join('\r\n')}\n`);
  const before = createHash('sha256').update(await readFile(path)).digest('hex');
  const { dir, store } = await newStore(t);
  const progress: ImportProgress[] = [];
  const result = await importNdjson(store, path, { batchSize: 250, onProgress: (p) => progress.push(p) });
  assert.equal(result.entries, 702);
  const size = (await readFile(path)).length;
  assert.deepEqual(progress.map((p) => p.entries), [250, 500, 702]);
  assert.ok(progress.every((p) => p.totalBytes === size));
  assert.equal((progress.at(-1) as ImportProgress).bytes, size, 'every source byte accounted for');
  assert.equal(Buffer.from((await store.get('note/699')) ?? []).toString(), `${marker} note 699`);
  assert.deepEqual(await store.get(new Uint8Array([0, 1, 2])), new Uint8Array([0xde, 0xad]));
  assert.deepEqual(JSON.parse(Buffer.from((await store.get('json')) ?? []).toString()), { name: 'Ada', tags: [1, 2] });
  await store.close();
  assert.equal(createHash('sha256').update(await readFile(path)).digest('hex'), before, 'the source file is byte-for-byte the same');
  assert.deepEqual(await findNeedles(dir, [{ label: 'marker', bytes: Buffer.from(marker) }]), []);
});

test('NDJSON from chunks split anywhere (even inside a UTF-8 character) imports the same; a bad line is named and the lines before it stay', async (t) => {
  const { store } = await newStore(t);
  const text = ['{"key":"a","value":"été ✓"}', '{"key":"b","value":"😀"}', '{"key":"c","value":"plain"}'].join('\n');
  const bytes = Buffer.from(text);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 3) chunks.push(new Uint8Array(bytes.subarray(i, i + 3)));
  assert.equal((await importNdjson(store, chunks, { prefix: 'p/' })).entries, 3);
  assert.equal(Buffer.from((await store.get('p/a')) ?? []).toString(), 'été ✓');
  assert.equal(Buffer.from((await store.get('p/b')) ?? []).toString(), '😀');

  const bad = async function* (): AsyncGenerator<string> {
    yield '{"key":"ok","value":"1"}\n';
    yield '{"key":"ok2","value":"2"}\n{"key": 5, "value": "x"}\n';
  };
  await assert.rejects(importNdjson(store, bad(), { batchSize: 1 }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'line 3.key');
  assert.equal(Buffer.from((await store.get('ok2')) ?? []).toString(), '2');
  for (const [line, argument] of [['not json', 'line 1'], ['[1,2]', 'line 1'], ['{"key":"k"}', 'line 1.value'], ['{"key":"","value":"v"}', 'line 1.key']] as const) {
    await assert.rejects(importNdjson(store, [line]), (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument, line);
  }
  await assert.rejects(importNdjson(store, 42 as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'source');
  await assert.rejects(importNdjson(store, '/nonexistent/file.ndjson'), (e: unknown) => (e as { code?: string }).code === 'SYN_IO');
  await store.close();
});
