/**
 * CLI administration: info, verify (clean and damaged), rotate-key,
 * change-passphrase, compact and bench, on temporary stores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Collection, Store } from '../../src/index.ts';
import { kindOf, readRaw, tempDir, writeRaw } from '../helpers/store-fixtures.ts';
import { cli, initStore, PASSPHRASE, WITH_PASSPHRASE } from './cli-harness.ts';

const env = WITH_PASSPHRASE;

async function fill(dir: string): Promise<void> {
  const store = await Store.open(dir, { passphrase: PASSPHRASE });
  await store.batch(Array.from({ length: 300 }, (_, i) => ({ type: 'put' as const, key: `key/${String(i).padStart(4, '0')}`, value: `value ${i} `.repeat(8) })));
  const notes = await Collection.open(store, 'notes');
  await notes.insertMany([{ title: 'a' }, { title: 'b' }, { title: 'c' }]);
  await store.close();
}

test('info reports the header, sizes on disk, record counts and collections', async (t) => {
  const dir = join(await tempDir(t), 'store');
  await initStore(dir);
  await fill(dir);
  const r = await cli(['info', dir, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    headerVersion: number; headerCopies: number; keyEpoch: number; disk: { total: number; db: number; header: number };
    records: { keys: number; documentEntries: number }; collections: Array<{ name: string; documents: number }>; stats: { lastSeq: number };
  };
  assert.ok(info.headerVersion >= 1);
  assert.equal(info.headerCopies, 2);
  assert.equal(info.keyEpoch, 1);
  assert.equal(info.records.keys, 300);
  assert.ok(info.records.documentEntries >= 3);
  assert.deepEqual(info.collections, [{ name: 'notes', documents: 3 }]);
  assert.ok(info.disk.total >= info.disk.db + info.disk.header && info.disk.db > 0 && info.disk.header > 0);
  assert.ok(info.stats.lastSeq >= 2);
  const human = await cli(['info', dir], { env });
  assert.match(human.stdout, /keys\s+300 key-value entries/);
  assert.match(human.stdout, /notes \(3 documents\)/);
});

test('verify passes on a sound store and exits 8 naming the damaged block', async (t) => {
  const dir = join(await tempDir(t), 'store');
  await initStore(dir);
  await fill(dir);
  const compacted = await cli(['compact', dir, '--json'], { env });
  assert.equal(compacted.code, 0, compacted.stderr);
  assert.equal((JSON.parse(compacted.stdout) as { flushed: boolean; runs: number }).runs >= 1, true);
  const ok = await cli(['verify', dir, '--json'], { env });
  assert.equal(ok.code, 0, ok.stderr);
  const report = JSON.parse(ok.stdout) as { ok: boolean; checked: { blocks: number } };
  assert.equal(report.ok, true);
  assert.ok(report.checked.blocks >= 1);

  const raw = await readRaw(dir);
  const block = raw.find(([key]) => kindOf(key) === 'B');
  assert.ok(block !== undefined, 'the flushed run has blocks');
  const damaged = block[1].slice();
  const middle = Math.floor(damaged.length / 2);
  damaged[middle] = (damaged[middle] as number) ^ 0x01;
  await writeRaw(dir, [[block[0], damaged]]);

  const bad = await cli(['verify', dir, '--json'], { env });
  assert.equal(bad.code, 8);
  const badReport = JSON.parse(bad.stdout) as { ok: boolean; problems: Array<{ where: string; code: string }> };
  assert.equal(badReport.ok, false);
  assert.deepEqual(badReport.problems.map((p) => [p.where, p.code]), [['block', 'SYN_INTEGRITY']]);
  const human = await cli(['verify', dir], { env });
  assert.equal(human.code, 8);
  assert.match(human.stdout, /^DAMAGED/);
  assert.match(human.stderr, /verify found 1 damaged record/);
});

test('rotate-key moves to a new epoch and change-passphrase swaps the passphrase', async (t) => {
  const dir = join(await tempDir(t), 'store');
  await initStore(dir);
  await fill(dir);
  const rotated = await cli(['rotate-key', dir, '--json'], { env });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.equal((JSON.parse(rotated.stdout) as { keyEpoch: number }).keyEpoch, 2);
  assert.equal((JSON.parse((await cli(['info', dir, '--json'], { env })).stdout) as { keyEpoch: number }).keyEpoch, 2);

  const changed = await cli(['change-passphrase', dir, '--passphrase-fd', '3', '--new-passphrase-fd', '3'], { fd3: `${PASSPHRASE}\nnew secret words\n` });
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal((await cli(['get', dir, 'key/0001'], { env })).code, 3, 'the old passphrase no longer opens it');
  const withNew = await cli(['get', dir, 'key/0001'], { env: { SYNAPSED_PASSPHRASE: 'new secret words' } });
  assert.deepEqual([withNew.code, withNew.stdout], [0, `${'value 1 '.repeat(8)}\n`]);
  const wrongOld = await cli(['change-passphrase', dir], { env: { SYNAPSED_PASSPHRASE: 'nope', SYNAPSED_NEW_PASSPHRASE: 'x' } });
  assert.equal(wrongOld.code, 3);
  const noNew = await cli(['change-passphrase', dir], { env: { SYNAPSED_PASSPHRASE: 'new secret words' } });
  assert.equal(noNew.code, 2, 'no source for the new passphrase');
});

test('bench prints put and get figures', async () => {
  const r = await cli(['bench', '--memory', '--count', '300', '--value-size', '32', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { count: number; backend: string; phases: Array<{ name: string; ops: number; opsPerSec: number; usPerOp: number }> };
  assert.equal(result.count, 300);
  assert.equal(result.backend, 'memory');
  assert.deepEqual(result.phases.map((p) => p.name.split(' ')[0]), ['put', 'put', 'get', 'get', 'get', 'scan']);
  for (const p of result.phases) assert.ok(p.ops > 0 && p.opsPerSec > 0 && p.usPerOp > 0, p.name);
  const disk = await cli(['bench', '--count', '200']);
  assert.equal(disk.code, 0, disk.stderr);
  assert.match(disk.stdout, /get \(random, runs, warm cache\)\s+[\d,]+ ops\/s/);
});
