/**
 * The manifest is the root of the store: losing it or rolling it back must
 * be detected at open, and detection must destroy nothing (an open that
 * fails a check deletes no "orphan" run, so putting the manifest back
 * restores the store).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { IntegrityError, KDF_FLOOR, Store } from '../../../src/index.ts';
import { text } from '../../helpers/stores.ts';

const M = new Uint8Array([0x4d]);

async function withRaw<T>(dir: string, fn: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<T>): Promise<T> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function makeStore(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; code: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'synapsed-manifest-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { store, recoveryCode } = await Store.create(dir, { passphrase: 'p', kdf: KDF_FLOOR, memtableBytes: 4096 });
  for (let i = 0; i < 200; i++) await store.put(`key${i}`, `value ${i}`.repeat(5));
  await store.flush();
  await store.close();
  return { dir, code: recoveryCode.reveal() };
}

const isManifestError = (e: unknown): boolean => e instanceof IntegrityError && e.where === 'page' && e.id === 'manifest';

test('a deleted manifest is an integrity error, and putting it back restores the store', async (t) => {
  const { dir, code } = await makeStore(t);
  const saved = await withRaw(dir, async (db) => {
    const value = await db.get(M);
    await db.del(M);
    return value as Uint8Array;
  });
  await assert.rejects(Store.open(dir, { recoveryCode: code }), isManifestError);
  await assert.rejects(Store.open(dir, { recoveryCode: code }), isManifestError, 'still detected: nothing was cleaned up');
  await withRaw(dir, (db) => db.put(M, saved));
  const store = await Store.open(dir, { recoveryCode: code });
  assert.equal(text(await store.get('key199')), 'value 199'.repeat(5));
  await store.close();
});

test('an older manifest put back over the current one is an integrity error', async (t) => {
  const { dir, code } = await makeStore(t);
  const old = await withRaw(dir, async (db) => (await db.get(M)) as Uint8Array);
  const store = await Store.open(dir, { recoveryCode: code, memtableBytes: 4096 });
  for (let i = 200; i < 400; i++) await store.put(`key${i}`, `value ${i}`.repeat(5));
  await store.flush();
  await store.close();
  const current = await withRaw(dir, async (db) => {
    const value = await db.get(M);
    await db.put(M, old);
    return value as Uint8Array;
  });
  // Caught either by a newer run the old manifest does not list, or by a run it lists that a merge since deleted.
  await assert.rejects(Store.open(dir, { recoveryCode: code }), (e: unknown) => e instanceof IntegrityError && e.where === 'page');
  await withRaw(dir, (db) => db.put(M, current));
  const again = await Store.open(dir, { recoveryCode: code });
  assert.equal(text(await again.get('key399')), 'value 399'.repeat(5));
  await again.close();
});

test('a store whose first manifest write was lost opens empty and usable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'synapsed-manifest-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { store, recoveryCode } = await Store.create(dir, { passphrase: 'p', kdf: KDF_FLOOR });
  await store.close();
  await withRaw(dir, (db) => db.del(M));
  const reopened = await Store.open(dir, { recoveryCode: recoveryCode.reveal() });
  await reopened.put('k', 'v');
  assert.equal(text(await reopened.get('k')), 'v');
  await reopened.close();
});
