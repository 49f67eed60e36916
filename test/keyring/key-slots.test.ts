/**
 * Key slots through the Store API: create and open with a raw key or a key
 * provider, `store.keySlots` list/add/remove persisting across reopen, the
 * last-slot guard, wrong keys as WrongPassphraseError (credential 'key')
 * followed by a successful open in the same process, changePassphrase with
 * several passphrase slots, and no label or data bytes on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  HEADER_FILES, InvalidArgumentError, KDF_FLOOR, LastKeySlotError, ReadOnlyError, Store, WrongPassphraseError,
} from '../../src/index.ts';
import { findNeedles, markerNeedles, tempDir } from '../helpers/store-fixtures.ts';

const key = (): Uint8Array => new Uint8Array(randomBytes(32));
const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString());
const wrong = (credential: string) => (e: unknown): boolean => e instanceof WrongPassphraseError && e.code === 'SYN_WRONG_PASSPHRASE' && e.credential === credential;

test('a store created with a raw key opens with { key } and { keyProvider }; a wrong key fails typed and the right one then works', async (t) => {
  const dir = await tempDir(t, 'synapsed-slots-');
  const appKey = key();
  const { store, recoveryCode } = await Store.create(dir, { key: appKey });
  assert.deepEqual(store.keySlots.list().map((s) => [s.id, s.type]), [[1, 'key'], [2, 'recovery-code']]);
  await store.put('k', 'v');
  await store.close();

  await assert.rejects(Store.open(dir, { key: key() }), wrong('key'));
  await assert.rejects(Store.open(dir, { keyProvider: async () => key() }), wrong('key'));
  await assert.rejects(Store.open(dir, { passphrase: 'anything' }), wrong('passphrase'));
  const byKey = await Store.open(dir, { key: appKey });
  assert.equal(text(await byKey.get('k')), 'v');
  await byKey.close();
  let calls = 0;
  const byProvider = await Store.open(dir, {
    keyProvider: async () => {
      calls++;
      return appKey;
    },
  });
  assert.equal(calls, 1);
  assert.equal(text(await byProvider.get('k')), 'v');
  await byProvider.close();
  const byCode = await Store.open(dir, { recoveryCode: recoveryCode.reveal() });
  await byCode.close();
  assert.equal(appKey.some((b) => b !== 0), true, 'the app\'s key buffer is not wiped by the store');
});

test('a key provider that returns no 32-byte key is an invalid argument; one that throws rejects with its own error', async (t) => {
  const dir = await tempDir(t, 'synapsed-slots-');
  const { store } = await Store.create(dir, { key: key() });
  await store.close();
  for (const bad of [undefined, new Uint8Array(16), 'k'.repeat(32), null]) {
    await assert.rejects(Store.open(dir, { keyProvider: async () => bad as never }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.keyProvider');
  }
  await assert.rejects(Store.open(dir, { keyProvider: 42 as never }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.keyProvider');
  let asked = 0;
  const counting = async (): Promise<Uint8Array> => {
    asked++;
    return new Uint8Array(32);
  };
  await assert.rejects(Store.open(join(dir, 'no-store-here'), { keyProvider: counting }), (e: unknown) => (e as { code?: string }).code === 'SYN_STORE_NOT_FOUND');
  assert.equal(asked, 0, 'the provider (a keychain prompt) is not called when there is no store');
  const failure = new Error('keychain locked');
  await assert.rejects(Store.open(dir, { keyProvider: async () => Promise.reject(failure) }), (e: unknown) => e === failure);
  await assert.rejects(Store.open(dir, { key: key(), passphrase: 'x' } as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options');
  await assert.rejects(Store.open(dir, { key: new Uint8Array(33) }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.key');
  await assert.rejects(Store.create(join(dir, 'other'), { key: new Uint8Array(8) }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.key');
});

test('slots added and removed through store.keySlots persist, and each opens the same data', async (t) => {
  const dir = await tempDir(t, 'synapsed-slots-');
  let now = 5_000;
  const { store, recoveryCode } = await Store.create(dir, { passphrase: 'first', kdf: KDF_FLOOR, clock: () => now });
  await store.put('shared', 'one hierarchy');
  const tokenKey = key();
  now = 6_000;
  const added = await store.keySlots.add({ key: tokenKey, label: 'hardware token' });
  assert.deepEqual(added.slot, { id: 3, type: 'key', label: 'hardware token', created: 6_000 });
  const spare = await store.keySlots.add({ recoveryCode: true, label: 'spare code' });
  assert.ok(spare.recoveryCode !== undefined);
  await store.keySlots.add({ passphrase: 'second', kdf: KDF_FLOOR, label: 'second person' });
  assert.deepEqual(store.keySlots.list().map((s) => [s.id, s.type, s.label]), [
    [1, 'passphrase', 'passphrase'], [2, 'recovery-code', 'recovery code'], [3, 'key', 'hardware token'],
    [4, 'recovery-code', 'spare code'], [5, 'passphrase', 'second person'],
  ]);
  await store.keySlots.remove(1);
  await store.close();

  await assert.rejects(Store.open(dir, { passphrase: 'first' }), wrong('passphrase'));
  for (const credential of [{ key: tokenKey }, { recoveryCode: recoveryCode.reveal() }, { recoveryCode: spare.recoveryCode.reveal() }, { passphrase: 'second' }]) {
    const reopened = await Store.open(dir, credential);
    assert.equal(text(await reopened.get('shared')), 'one hierarchy', Object.keys(credential)[0]);
    assert.deepEqual(reopened.keySlots.list().map((s) => s.id), [2, 3, 4, 5]);
    assert.equal(reopened.keySlots.list()[1]?.created, 6_000);
    await reopened.close();
  }
});

test('removing the last slot is refused with LastKeySlotError and the store stays openable', async (t) => {
  const dir = await tempDir(t, 'synapsed-slots-');
  const appKey = key();
  const { store } = await Store.create(dir, { key: appKey });
  await store.keySlots.remove(2);
  await assert.rejects(store.keySlots.remove(1), (e: unknown) => e instanceof LastKeySlotError && e.code === 'SYN_LAST_KEY_SLOT');
  await assert.rejects(store.keySlots.remove(7), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'id');
  for (const bad of [0, -1, 1.5, '1', null]) await assert.rejects(store.keySlots.remove(bad as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'id');
  await store.close();
  const reopened = await Store.open(dir, { key: appKey });
  assert.deepEqual(reopened.keySlots.list().map((s) => s.type), ['key']);
  await reopened.close();
});

test('changePassphrase changes the slot the old passphrase opens, and only that one', async (t) => {
  const dir = await tempDir(t, 'synapsed-slots-');
  const { store } = await Store.create(dir, { passphrase: 'alice', kdf: KDF_FLOOR });
  await store.keySlots.add({ passphrase: 'bob', kdf: KDF_FLOOR, label: 'bob' });
  await store.changePassphrase('bob', 'bob 2');
  await assert.rejects(store.changePassphrase('nobody', 'x'), wrong('passphrase'));
  assert.deepEqual(store.keySlots.list().map((s) => [s.id, s.label]), [[1, 'passphrase'], [2, 'recovery code'], [3, 'bob']]);
  await store.close();
  for (const passphrase of ['alice', 'bob 2']) await (await Store.open(dir, { passphrase })).close();
  await assert.rejects(Store.open(dir, { passphrase: 'bob' }), wrong('passphrase'));
});

test('key slots are refused on memory stores and on read-only stores', async (t) => {
  const memory = await Store.memory();
  await assert.rejects(memory.keySlots.add({ key: key() }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'store');
  assert.equal(memory.keySlots.list().length, 1, 'one slot under a key nobody keeps');
  await memory.close();

  const dir = await tempDir(t, 'synapsed-slots-');
  const appKey = key();
  const { store } = await Store.create(dir, { key: appKey });
  await store.close();
  const readOnly = await Store.open(dir, { key: appKey, readOnly: true });
  await assert.rejects(readOnly.keySlots.add({ key: key() }), (e: unknown) => e instanceof ReadOnlyError && e.code === 'SYN_READ_ONLY');
  await assert.rejects(readOnly.keySlots.remove(2), ReadOnlyError);
  await readOnly.close();
});

test('slot labels, keys and data never reach the disk in the clear', async (t) => {
  const dir = await tempDir(t, 'synapsed-slots-');
  const marker = randomBytes(12);
  const label = `L${marker.toString('hex').slice(0, 20)}`;
  const appKey = key();
  const { store } = await Store.create(dir, { key: appKey });
  await store.keySlots.add({ key: key(), label });
  await store.keySlots.add({ passphrase: `P${marker.toString('hex')}`, kdf: KDF_FLOOR, label: `${label}-2` });
  await store.put(`key-${marker.toString('hex')}`, marker);
  await store.close();
  const needles = [
    ...markerNeedles(marker, 'data marker'),
    { label: 'slot label', bytes: Buffer.from(label) },
    { label: 'raw key', bytes: Buffer.from(appKey) },
  ];
  assert.deepEqual(await findNeedles(dir, needles), []);
  for (const name of HEADER_FILES) assert.equal((await readFile(join(dir, name))).indexOf(Buffer.from(appKey)), -1);
});
