/**
 * Never plaintext (issue 4): nothing a user writes, and no secret, can be
 * read from the store directory.
 *
 * Keys and values carry random 16-byte markers (ciphertext has no such
 * runs by chance: 2^-128 per position). Every file under the directory,
 * LevelDB's LOG, MANIFEST-*, *.log and *.ldb and both HEADER copies
 * included, is searched for each marker raw, in hex (both cases) and for
 * the key prefix, after puts, deletes, flushes and merges, close, and a
 * reopen (LevelDB rewrites its log into tables then). The passphrase, the
 * recovery code (text and entropy) and the data key must not appear either.
 *
 * Per-prefix counts cannot be measured from outside; instead the LevelDB
 * keys are checked to be only the structural forms of engine/keys.ts and
 * every value a sealed record (engine/record.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FORMAT_V1, HEADER_FILES, Keyring, Store, parseRecoveryCode, readHeaderCopies } from '../../src/index.ts';
import { PASSPHRASE, createStore, hex, kindOf, listFiles, findNeedles, markerNeedles, readRaw, tempDir, type Needle } from '../helpers/store-fixtures.ts';

const PREFIX = 'chat/alice';
const OPTIONS = { memtableBytes: 16 * 1024, blockBytes: 1024, largeValueBytes: 512 } as const;



async function assertClean(dir: string, needles: readonly Needle[], phase: string): Promise<void> {
  const files = await listFiles(dir);
  assert.ok(files.some((f) => f.endsWith('.log')) && files.some((f) => f.includes('MANIFEST-')), `${phase}: LevelDB files exist`);
  assert.deepEqual(await findNeedles(dir, needles), [], `${phase}: no plaintext on disk`);
}

/** A marked key/value pair: the marker in the key (hex) and in the value (raw and hex). */
function marked(n: number, size: number): { key: string; value: Buffer; marker: Buffer } {
  const marker = randomBytes(16);
  const h = marker.toString('hex');
  const pad = randomBytes(Math.max(0, size - 16 - h.length - 10));
  return { key: `${PREFIX}/${h}/${n}`, value: Buffer.concat([marker, Buffer.from(` ${h} `), pad, marker]), marker };
}

test('the needle search finds a planted marker (control)', async (t) => {
  const dir = await tempDir(t, 'synapsed-plain-');
  const { marker } = marked(0, 64);
  await writeFile(join(dir, 'raw'), Buffer.concat([Buffer.from('x'), marker, Buffer.from('y')]));
  await writeFile(join(dir, 'upper'), `x${marker.toString('hex').toUpperCase()}y`);
  assert.deepEqual(await findNeedles(dir, markerNeedles(marker, 'm')), ['m raw in raw', 'm HEX in upper']);
});

test('no key, value, prefix, snapshot name or secret is readable on disk, at any stage', async (t) => {
  const dir = await tempDir(t, 'synapsed-plain-');
  const { store, recoveryCode } = await createStore(dir, OPTIONS);
  const needles: Needle[] = [
    { label: 'key prefix', bytes: Buffer.from(PREFIX) },
    { label: 'passphrase', bytes: Buffer.from(PASSPHRASE) },
    { label: 'recovery code', bytes: Buffer.from(recoveryCode) },
    { label: 'recovery code, no dashes', bytes: Buffer.from(recoveryCode.replaceAll('-', '')) },
    { label: 'recovery entropy', bytes: Buffer.from(parseRecoveryCode(recoveryCode)) },
  ];
  const pairs: Array<ReturnType<typeof marked>> = [];
  for (let n = 0; n < 300; n++) {
    // Every tenth value is large: stored as its own record.
    const pair = marked(n, n % 10 === 0 ? 2000 : 120);
    pairs.push(pair);
    needles.push(...markerNeedles(pair.marker, `marker ${n}`));
    await store.put(pair.key, pair.value);
  }
  const binaryKeyMarker = randomBytes(16);
  needles.push(...markerNeedles(binaryKeyMarker, 'binary key marker'));
  await store.batch([{ type: 'put', key: Buffer.concat([Buffer.from('bin/'), binaryKeyMarker]), value: 'v' }]);
  const snapshotMarker = randomBytes(16).toString('hex');
  needles.push({ label: 'snapshot name', bytes: Buffer.from(snapshotMarker) });
  await store.snapshots.create(`snap-${snapshotMarker}`);
  await assertClean(dir, needles, 'after puts');

  for (const pair of pairs.filter((_, i) => i % 2 === 0)) await store.delete(pair.key);
  await store.transaction(async (tx) => {
    for (const pair of pairs.filter((_, i) => i % 3 === 1)) tx.delete(pair.key);
  });
  await assertClean(dir, needles, 'after deletes');

  for (let round = 0; round < 6; round++) {
    for (const pair of pairs.slice(round * 40, round * 40 + 40)) await store.put(pair.key, pair.value);
    await store.flush();
  }
  assert.ok(store.stats().merges >= 1, `runs were merged (${JSON.stringify(store.stats())})`);
  await assertClean(dir, needles, 'after flushes and merges');

  await store.close();
  await assertClean(dir, needles, 'after close');

  const reopened = await Store.open(dir, { passphrase: PASSPHRASE });
  assert.deepEqual(Buffer.from((await reopened.get(pairs[1]?.key as string)) as Uint8Array), pairs[1]?.value, 'the data is there');
  await reopened.close();
  const { keyring } = await Keyring.unlock(await readHeaderCopies(dir), { passphrase: PASSPHRASE });
  needles.push({ label: 'data key', bytes: Buffer.from(keyring.dataKey(keyring.currentEpoch).bytes) });
  keyring.wipe();
  await assertClean(dir, needles, 'after reopen and close');
});

test('LevelDB holds only structural keys and sealed records, never user key bytes', async (t) => {
  const dir = await tempDir(t, 'synapsed-plain-');
  const { store } = await createStore(dir, OPTIONS);
  const keys: string[] = [];
  for (let n = 0; n < 400; n++) {
    const { key, value } = marked(n, n % 25 === 0 ? 1500 : 80);
    keys.push(key);
    await store.put(key, value);
    if (n % 7 === 0) await store.delete(keys[n >> 1] as string);
  }
  await store.flush();
  await store.put(`${PREFIX}/tail`, 'in the WAL');
  await store.close();

  // CLOSED: the sealed close marker (engine.ts); the stage greps above cover its bytes too.
  assert.deepEqual((await readdir(dir)).sort(), [...HEADER_FILES, 'CLOSED', 'db'].sort(), 'the directory holds the header copies, the close marker and LevelDB only');
  const raw = await readRaw(dir);
  const lengths: Record<string, number> = { M: 1, W: 9, I: 5, B: 9, V: 9 };
  const seen = new Set<string>();
  for (const [key, value] of raw) {
    const kind = kindOf(key);
    seen.add(kind);
    assert.equal(key.length, lengths[kind], `key ${hex(key)} is one of M, W seq, I run, B run block, V run n`);
    assert.ok(value.length >= 1 + 4 + 24 + 16, `value under ${hex(key)} is a sealed record`);
    assert.equal(value[0], FORMAT_V1, `value under ${hex(key)} starts with the format version`);
    assert.equal(Buffer.from(value).readUInt32BE(1), 1, `value under ${hex(key)} names key epoch 1`);
  }
  for (const kind of ['M', 'W', 'I', 'B', 'V']) assert.ok(seen.has(kind), `${kind} records exist`);
  const allKeys = Buffer.concat(raw.map(([k]) => k));
  for (const key of [...keys, `${PREFIX}/tail`]) assert.equal(allKeys.indexOf(Buffer.from(key.slice(0, 16))), -1);
});

test('deleted data leaves no ciphertext behind once its run is merged away', async (t) => {
  const dir = await tempDir(t, 'synapsed-plain-');
  const { store, recoveryCode } = await createStore(dir, OPTIONS);
  await store.put('secret', marked(0, 100).value);
  await store.close();
  const nonceOf = (record: Uint8Array): Buffer => Buffer.from(record.subarray(5, 5 + 24));
  const [walRecord] = (await readRaw(dir)).filter(([k]) => kindOf(k) === 'W');
  assert.ok(walRecord !== undefined, 'the put is a WAL record');
  const walNeedle: Needle = { label: 'sealed WAL record of the deleted put', bytes: nonceOf(walRecord[1]) };
  assert.notDeepEqual(await findNeedles(dir, [walNeedle]), [], 'control: the WAL record is found on disk');

  const second = await Store.open(dir, { recoveryCode, ...OPTIONS });
  await second.flush();
  await second.close();
  const blocks = (await readRaw(dir)).filter(([k]) => kindOf(k) === 'B');
  assert.equal(blocks.length, 1, 'the flush wrote one block');
  const blockNeedle: Needle = { label: 'sealed block that held the deleted value', bytes: nonceOf((blocks[0] as [Uint8Array, Uint8Array])[1]) };
  assert.notDeepEqual(await findNeedles(dir, [blockNeedle]), [], 'control: the block is found on disk');

  const third = await Store.open(dir, { recoveryCode, ...OPTIONS });
  await third.delete('secret');
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 20; i++) await third.put(`filler/${round}/${i}`, randomBytes(50));
    await third.flush();
  }
  assert.ok(third.stats().merges >= 1, 'the run holding the secret was merged away');
  assert.equal(await third.get('secret'), undefined);
  await third.close();

  assert.deepEqual(await findNeedles(dir, [walNeedle, blockNeedle]), [], 'deleted ciphertext is gone from every file');
});
