/**
 * Key slots in the keyring: raw-key slots (no KDF), several passphrase and
 * recovery slots, labels and creation times (sealed, never in the clear),
 * removal and its last-slot guard, ids never reused, and the conversion of a
 * layout-1 header (two fixed slots) into layout 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Keyring, LastKeySlotError, WrongPassphraseError } from '../../../src/index.ts';
import { HEADER_V1, HEADER_V2, MAX_SLOTS } from '../../../src/keyring/header.ts';
import { FAST_KDF, PASSPHRASE, makeKeyring } from '../../helpers/keyring.ts';

const key = (): Uint8Array => new Uint8Array(randomBytes(32));
const sameDataKey = (a: Keyring, b: Keyring): boolean => Buffer.from(a.dataKey(a.currentEpoch).bytes).equals(Buffer.from(b.dataKey(b.currentEpoch).bytes));
const isWrong = (credential: string) => (e: unknown): boolean => e instanceof WrongPassphraseError && e.code === 'SYN_WRONG_PASSPHRASE' && e.credential === credential;

test('a store created with a raw key only opens with that key, no KDF; a wrong key is WrongPassphraseError for the key, then the right one works', async () => {
  const appKey = key();
  const { keyring, recoveryCode } = await Keyring.create({ key: appKey, clock: () => 1_700_000_000_000 });
  assert.deepEqual(keyring.slots, [
    { id: 1, type: 'key', label: 'key', created: 1_700_000_000_000 },
    { id: 2, type: 'recovery-code', label: 'recovery code', created: 1_700_000_000_000 },
  ]);
  const header = keyring.header();
  await assert.rejects(Keyring.unlock([header, header], { key: key() }), isWrong('key'));
  await assert.rejects(Keyring.unlock([header], { passphrase: PASSPHRASE }), isWrong('passphrase'), 'no passphrase slot at all');
  const opened = await Keyring.unlock([header, header], { key: appKey });
  assert.equal(opened.slot, 1);
  assert.ok(sameDataKey(opened.keyring, keyring));
  const byCode = await Keyring.unlock([header], { recoveryCode: recoveryCode.reveal() });
  assert.equal(byCode.slot, 2);
});

test('slots of every type are added with labels and times; each opens; ids are never reused', async () => {
  const { keyring } = await makeKeyring();
  let now = 1000;
  const clock = (): number => now++;
  const laptop = key();
  const a = await keyring.addSlot({ key: laptop, label: 'laptop keychain' }, { clock });
  assert.deepEqual(a.slot, { id: 3, type: 'key', label: 'laptop keychain', created: 1000 });
  assert.equal(a.recoveryCode, undefined);
  const b = await a.keyring.addSlot({ passphrase: 'second passphrase', kdf: FAST_KDF, label: 'for Bob' }, { clock });
  const c = await b.keyring.addSlot({ recoveryCode: true, label: 'paper in the safe' }, { clock });
  assert.ok(c.recoveryCode !== undefined);
  assert.equal(c.keyring.sequence, keyring.sequence + 3n);
  const header = c.keyring.header();
  for (const credential of [{ key: laptop }, { passphrase: 'second passphrase' }, { passphrase: PASSPHRASE }, { recoveryCode: c.recoveryCode.reveal() }]) {
    const { keyring: opened } = await Keyring.unlock([header], credential);
    assert.ok(sameDataKey(opened, keyring), JSON.stringify(Object.keys(credential)));
    assert.deepEqual(opened.slots, c.keyring.slots, 'labels and times survive the header');
  }
  const fewer = c.keyring.removeSlot(3);
  await assert.rejects(Keyring.unlock([fewer.header()], { key: laptop }), isWrong('key'));
  const again = await fewer.addSlot({ key: laptop });
  assert.equal(again.slot.id, 6, 'the removed id 3 is not given out again');
  assert.deepEqual(again.keyring.slots.map((s) => s.id), [1, 2, 4, 5, 6]);
});

test('labels and creation times are sealed: the header holds no label bytes', async () => {
  const { keyring } = await makeKeyring();
  const marker = `label-${randomBytes(8).toString('hex')}`;
  const { keyring: labelled } = await keyring.addSlot({ key: key(), label: marker }, { clock: () => 0x0123456789ab });
  const header = Buffer.from(labelled.header());
  assert.equal(header.indexOf(marker), -1);
  assert.equal(header.indexOf(Buffer.from(marker).toString('hex')), -1);
  assert.equal(header.indexOf(Buffer.from([0x01, 0x23, 0x45, 0x67, 0x89, 0xab])), -1, 'no creation time in the clear');
});

test('removing the last slot is refused with LastKeySlotError; an unknown id is an invalid argument', async () => {
  const appKey = key();
  const { keyring } = await Keyring.create({ key: appKey });
  const onlyKey = keyring.removeSlot(2);
  assert.deepEqual(onlyKey.slots.map((s) => s.type), ['key']);
  assert.throws(() => onlyKey.removeSlot(1), (e: unknown) => e instanceof LastKeySlotError && e.code === 'SYN_LAST_KEY_SLOT' && e.slot === 1);
  assert.throws(() => onlyKey.removeSlot(2), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'id');
  const { keyring: opened } = await Keyring.unlock([onlyKey.header()], { key: appKey });
  assert.ok(sameDataKey(opened, keyring));
});

test('changing one of several passphrases needs its slot id and leaves the others working', async () => {
  const { keyring } = await makeKeyring();
  const { keyring: two } = await keyring.addSlot({ passphrase: 'bob', kdf: FAST_KDF, label: 'bob' });
  await assert.rejects(two.changePassphrase('carol'), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.slot');
  const changed = await two.changePassphrase('carol', { slot: 3 });
  assert.deepEqual(changed.slots.map((s) => [s.id, s.label]), [[1, 'passphrase'], [2, 'recovery code'], [3, 'bob']], 'same id, same label');
  const header = changed.header();
  await assert.rejects(Keyring.unlock([header], { passphrase: 'bob' }), isWrong('passphrase'));
  assert.equal((await Keyring.unlock([header], { passphrase: 'carol' })).slot, 3);
  assert.equal((await Keyring.unlock([header], { passphrase: PASSPHRASE })).slot, 1);
});

test('resetting the recovery code replaces every recovery slot with one', async () => {
  const { keyring, recoveryCode } = await makeKeyring();
  const second = await keyring.addSlot({ recoveryCode: true, label: 'spare' });
  const { keyring: reset, recoveryCode: fresh } = second.keyring.resetRecoveryCode();
  assert.deepEqual(reset.slots.filter((s) => s.type === 'recovery-code').map((s) => s.label), ['recovery code']);
  const header = reset.header();
  for (const old of [recoveryCode, (second.recoveryCode as { reveal(): string }).reveal()]) {
    await assert.rejects(Keyring.unlock([header], { recoveryCode: old }), isWrong('recovery-code'));
  }
  assert.ok(sameDataKey((await Keyring.unlock([header], { recoveryCode: fresh.reveal() })).keyring, keyring));
});

test('slot descriptions, labels and keys are validated; at most MAX_SLOTS slots', async () => {
  const { keyring: base } = await Keyring.create({ key: key() });
  const invalid = async (slot: unknown, argument: string): Promise<void> => {
    await assert.rejects(base.addSlot(slot as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument, argument);
  };
  await invalid(null, 'slot');
  await invalid({}, 'slot');
  await invalid({ key: key(), passphrase: 'x' }, 'slot');
  await invalid({ key: new Uint8Array(31) }, 'slot.key');
  await invalid({ key: 'k'.repeat(32) }, 'slot.key');
  await invalid({ passphrase: '' }, 'slot.passphrase');
  await invalid({ recoveryCode: 'yes' }, 'slot.recoveryCode');
  await invalid({ key: key(), label: '' }, 'slot.label');
  await invalid({ key: key(), label: 'é'.repeat(33) }, 'slot.label');
  await invalid({ key: key(), kdf: FAST_KDF }, 'slot.kdf');
  await invalid({ passphrase: 'x', kdf: { memoryKiB: 8 } }, 'slot.kdf.memoryKiB');
  await assert.rejects(Keyring.unlock([base.header()], { key: new Uint8Array(16) }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'credential.key');
  await assert.rejects(Keyring.create({ kdf: FAST_KDF }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.passphrase');
  let full = base;
  for (let i = full.slots.length; i < MAX_SLOTS; i++) full = (await full.addSlot({ key: key() })).keyring;
  await assert.rejects(full.addSlot({ key: key() }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'slot');
  assert.equal((await Keyring.unlock([full.header()], { key: key() }).catch((e: unknown) => e)) instanceof WrongPassphraseError, true, `${MAX_SLOTS} key slots tried, none opens`);
});

test('a layout-1 header unlocks into a layout-2 keyring that needs an upgrade and reopens by every old credential', async () => {
  const root = new URL('../../fixtures/stores/v1-basic/', import.meta.url);
  const expected = JSON.parse(await readFile(fileURLToPath(new URL('expected.json', root)), 'utf8')) as { passphrase: string; recoveryCode: string };
  const old = new Uint8Array(await readFile(fileURLToPath(new URL('store/HEADER-A', root))));
  const { keyring, repaired, slot } = await Keyring.unlock([old, old], { passphrase: expected.passphrase });
  assert.equal(repaired, false);
  assert.equal(slot, 1);
  assert.equal(keyring.needsUpgrade, true);
  assert.equal(keyring.upgradeFrom, HEADER_V1);
  assert.deepEqual(keyring.slots, [
    { id: 1, type: 'passphrase', label: 'passphrase', created: undefined },
    { id: 2, type: 'recovery-code', label: 'recovery code', created: undefined },
  ]);
  const upgraded = keyring.header();
  assert.equal(upgraded[8], HEADER_V2);
  for (const credential of [{ passphrase: expected.passphrase }, { recoveryCode: expected.recoveryCode }]) {
    const reopened = await Keyring.unlock([upgraded, old], credential);
    assert.equal(reopened.keyring.needsUpgrade, false, 'the newer (upgraded) copy wins');
    assert.equal(reopened.keyring.sequence, keyring.sequence);
    assert.ok(sameDataKey(reopened.keyring, keyring));
    assert.deepEqual(reopened.keyring.slots, keyring.slots);
  }
  // A crash after the first copy: the old copy alone still opens, and the new alone too.
  assert.equal((await Keyring.unlock([undefined, old], { recoveryCode: expected.recoveryCode })).keyring.needsUpgrade, true);
  assert.equal((await Keyring.unlock([upgraded.subarray(0, 900), old], { passphrase: expected.passphrase })).keyring.needsUpgrade, true);
});
