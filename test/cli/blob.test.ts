/**
 * CLI blob commands: put from a file or stdin, get whole, as a range or
 * to a file, ls, stat, rm, exit 5 for a missing blob, and verify naming a
 * damaged blob chunk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles, tempDir } from '../helpers/store-fixtures.ts';
import { cli, initStore, ndjson, WITH_PASSPHRASE } from './cli-harness.ts';

const env = WITH_PASSPHRASE;

test('blob put, get, ls, stat and rm round-trip bytes through files, pipes and ranges', async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'store');
  await initStore(dir);
  const content = randomBytes(200_000);
  const file = join(root, 'photo.bin');
  await writeFile(file, content);

  const put = await cli(['blob', 'put', dir, 'att/photo.bin', file, '--content-type', 'image/jpeg', '--json'], { env });
  assert.equal(put.code, 0, put.stderr);
  assert.deepEqual((({ id, size, contentType }) => ({ id, size, contentType }))(JSON.parse(put.stdout) as Record<string, unknown>), { id: 'att/photo.bin', size: 200_000, contentType: 'image/jpeg' });
  assert.equal((await cli(['blob', 'put', dir, 'att/note.txt'], { env, input: 'a small note' })).code, 0);

  const whole = await cli(['blob', 'get', dir, 'att/photo.bin'], { env });
  assert.equal(whole.code, 0, whole.stderr);
  assert.ok(whole.stdoutBytes.equals(content), 'stdout carries the exact bytes');
  const range = await cli(['blob', 'get', dir, 'att/photo.bin', '--start', '1000', '--end', '1999'], { env });
  assert.ok(range.stdoutBytes.equals(content.subarray(1000, 2000)));
  const out = join(root, 'copy.bin');
  const toFile = await cli(['blob', 'get', dir, 'att/photo.bin', '-o', out, '--json'], { env });
  assert.equal(toFile.code, 0, toFile.stderr);
  assert.ok((await readFile(out)).equals(content));
  assert.equal((await cli(['blob', 'get', dir, 'att/photo.bin', '-o', out], { env })).code, 10, 'an existing file is never overwritten');

  const listed = ndjson((await cli(['blob', 'ls', dir, '--prefix', 'att/', '--json'], { env })).stdout) as Array<{ id: string; size: number }>;
  assert.deepEqual(listed.map((b) => [b.id, b.size]), [['att/note.txt', 12], ['att/photo.bin', 200_000]]);
  const stat = await cli(['blob', 'stat', dir, 'att/note.txt'], { env });
  assert.match(stat.stdout, /^att\/note.txt\t12\t-\t\d{4}-/);
  const info = JSON.parse((await cli(['info', dir, '--json'], { env })).stdout) as { blobs: { count: number; bytes: number } };
  assert.deepEqual(info.blobs, { count: 2, bytes: 200_012 });

  const rm = await cli(['blob', 'rm', dir, 'att/note.txt', '--json'], { env });
  assert.deepEqual(JSON.parse(rm.stdout), { ok: true, existed: true });
  assert.equal((await cli(['blob', 'get', dir, 'att/note.txt'], { env })).code, 5);
  assert.equal((await cli(['blob', 'stat', dir, 'att/note.txt'], { env })).code, 5);
});

test('verify authenticates blob chunks and exits 8 naming the damaged blob', async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'store');
  await initStore(dir);
  const file = join(root, 'big.bin');
  await writeFile(file, randomBytes(300_000));
  assert.equal((await cli(['blob', 'put', dir, 'att/big.bin', file], { env })).code, 0);
  const ok = await cli(['verify', dir, '--json'], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual((JSON.parse(ok.stdout) as { checked: { blobs: number; blobBytes: number } }).checked.blobs, 1);

  const blobFiles = (await listFiles(dir)).filter((f) => f.endsWith('.blob'));
  assert.equal(blobFiles.length, 1, `one chunk file; the store holds ${(await readdir(dir)).join(', ')}`);
  const bytes = await readFile(blobFiles[0] as string);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] as number) ^ 0x40;
  await writeFile(blobFiles[0] as string, bytes);
  const bad = await cli(['verify', dir, '--json'], { env });
  assert.equal(bad.code, 8);
  const report = JSON.parse(bad.stdout) as { ok: boolean; problems: Array<{ where: string; id: string; code: string }> };
  assert.deepEqual(report.problems.map((p) => [p.where, p.id, p.code]), [['blob', 'att/big.bin', 'SYN_INTEGRITY']]);
  assert.equal((await cli(['blob', 'get', dir, 'att/big.bin'], { env })).code, 8, 'reading the damaged blob fails with the integrity code');
});
