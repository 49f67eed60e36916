/**
 * CLI export and import: key-value NDJSON (any bytes round-trip) and
 * document collections, files and pipes, and a bad line's exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Collection, Store } from '../../src/index.ts';
import { tempDir } from '../helpers/store-fixtures.ts';
import { cli, initStore, ndjson, PASSPHRASE, WITH_PASSPHRASE } from './cli-harness.ts';

const env = WITH_PASSPHRASE;

test('a key-value export imports into another store with every byte intact', async (t) => {
  const root = await tempDir(t);
  const source = join(root, 'a');
  const target = join(root, 'b');
  await initStore(source);
  await initStore(target);
  const binary = new Uint8Array([0, 0xff, 0xfe, 0x80, 10, 13]);
  {
    const store = await Store.open(source, { passphrase: PASSPHRASE });
    await store.batch([
      { type: 'put', key: 'text/1', value: 'plain "quoted" text\nwith a newline' },
      { type: 'put', key: binary, value: binary },
      { type: 'put', key: 'émoji/🙂', value: 'ünïcödé' },
    ]);
    await store.close();
  }
  const file = join(root, 'kv.ndjson');
  const exported = await cli(['export', source, '--output', file, '--json'], { env });
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(JSON.parse(exported.stdout), { ok: true, count: 3, output: file });
  assert.equal((await stat(file)).mode & 0o777, 0o600, 'the export file is private');
  const lines = ndjson(await readFile(file, 'utf8'));
  assert.deepEqual(lines[0], { key: { $bytes: Buffer.from(binary).toString('base64') }, value: { $bytes: Buffer.from(binary).toString('base64') } });
  assert.equal((await cli(['export', source, '--output', file], { env })).code, 10, 'an existing file is never overwritten');

  const imported = await cli(['import', target, '--input', file, '--batch-size', '2', '--json'], { env });
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(JSON.parse(imported.stdout), { ok: true, count: 3 });
  const store = await Store.open(target, { passphrase: PASSPHRASE });
  try {
    assert.deepEqual(await store.get(binary), binary);
    assert.equal(new TextDecoder().decode(await store.get('émoji/🙂')), 'ünïcödé');
    assert.equal(new TextDecoder().decode(await store.get('text/1')), 'plain "quoted" text\nwith a newline');
  } finally {
    await store.close();
  }

  // Through pipes: stdout of export is exactly the file's content.
  const piped = await cli(['export', source], { env });
  assert.equal(piped.stdout, await readFile(file, 'utf8'));
});

test('a collection exports and imports with its documents, bytes and dates', async (t) => {
  const root = await tempDir(t);
  const source = join(root, 'a');
  const target = join(root, 'b');
  await initStore(source);
  await initStore(target);
  {
    const store = await Store.open(source, { passphrase: PASSPHRASE });
    const messages = await Collection.open(store, 'messages', { indexes: [{ fields: ['chat'] }] });
    await messages.insertMany([
      { _id: 'm1', chat: 'c1', text: 'hello', at: new Date(1_700_000_000_000) },
      { _id: 'm2', chat: 'c2', text: 'bytes', blob: new Uint8Array([1, 2, 3]) },
    ]);
    await store.close();
  }
  const exported = await cli(['export', source, '--collection', 'messages'], { env });
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(ndjson(exported.stdout).length, 2);
  const imported = await cli(['import', target, '--collection', 'messages'], { env, input: exported.stdout });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /imported 2 documents/);
  const store = await Store.open(target, { passphrase: PASSPHRASE });
  try {
    const messages = await Collection.open(store, 'messages');
    assert.deepEqual(await messages.get('m1'), { _id: 'm1', chat: 'c1', text: 'hello', at: new Date(1_700_000_000_000) });
    assert.deepEqual(await messages.get('m2'), { _id: 'm2', chat: 'c2', text: 'bytes', blob: new Uint8Array([1, 2, 3]) });
  } finally {
    await store.close();
  }
  const info = await cli(['info', target, '--json'], { env });
  assert.deepEqual((JSON.parse(info.stdout) as { collections: unknown }).collections, [{ name: 'messages', documents: 2 }]);
});

test('a bad line stops the import with exit 11; earlier batches stay written', async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'store');
  await initStore(dir);
  const file = join(root, 'bad.ndjson');
  await writeFile(file, '{"key":"a","value":"1"}\n{"key":"b","value":"2"}\n{"key":"c"}\n{"key":"d","value":"4"}\n');
  const r = await cli(['import', dir, '-i', file, '--batch-size', '1', '--json'], { env });
  assert.equal(r.code, 11);
  assert.match((JSON.parse(r.stderr) as { error: { message: string } }).error.message, /line 3/);
  const keys = await cli(['scan', dir, '--keys-only'], { env });
  assert.equal(keys.stdout, 'a\nb\n');
  const notJson = await cli(['import', dir, '--collection', 'x'], { env, input: 'not json\n' });
  assert.equal(notJson.code, 11, 'a bad document line is bad data too');
  assert.equal((await cli(['import', dir, '-i', join(root, 'missing.ndjson')], { env })).code, 10);
});
