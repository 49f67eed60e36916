/**
 * Keyring: create, unlock by passphrase and by recovery code, change the
 * passphrase, reset the recovery code, add and retire epochs, and the typed
 * failures: wrong credential (retry allowed), damaged or forged headers,
 * downgraded KDF costs, and headers spliced between stores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  AbortedError, IntegrityError, InvalidArgumentError, KdfTooWeakError, Keyring, WrongPassphraseError,
} from '../../../src/index.ts';
import { writeU32 } from '../../../src/util/bytes.ts';
import { FAST_KDF, PASSPHRASE, makeKeyring, rechecksum } from '../../helpers/keyring.ts';

const created = makeKeyring();

/** Layout-2 offsets (src/keyring/header.ts) in a header with one epoch; slot 1 is the passphrase slot. */
const EPOCHS = 1261;
const SLOT_1 = EPOCHS + 1196;
const MEMORY_KIB = SLOT_1 + 5;
const SEALED_SECRET = SLOT_1 + 30;

function sameKey(a: Keyring, b: Keyring, epoch: number): boolean {
  return Buffer.from(a.dataKey(epoch).bytes).equals(Buffer.from(b.dataKey(epoch).bytes));
}

test('a new keyring unlocks with its passphrase to the same store id and data key', async () => {
  const { keyring } = await created;
  const header = keyring.header();
  const { keyring: opened, repaired } = await Keyring.unlock([header, header], { passphrase: PASSPHRASE });
  assert.deepEqual(opened.storeId, keyring.storeId);
  assert.equal(opened.currentEpoch, 1);
  assert.deepEqual(opened.epochs, [1]);
  assert.ok(sameKey(opened, keyring, 1));
  assert.equal(repaired, false);
  assert.deepEqual(opened.slotKdf(1), FAST_KDF);
  assert.deepEqual(opened.slots.map((s) => [s.id, s.type, s.label]), [[1, 'passphrase', 'passphrase'], [2, 'recovery-code', 'recovery code']]);
});

test('the recovery code unlocks too, typed sloppily', async () => {
  const { keyring, recoveryCode } = await created;
  const { keyring: opened } = await Keyring.unlock([keyring.header()], { recoveryCode: recoveryCode.toLowerCase().replace(/-/g, ' ') });
  assert.ok(sameKey(opened, keyring, 1));
});

test('a wrong passphrase is WrongPassphraseError and the right one still works afterwards', async () => {
  const { keyring } = await created;
  const header = keyring.header();
  await assert.rejects(Keyring.unlock([header, header], { passphrase: 'wrong' }), (e: unknown) => e instanceof WrongPassphraseError && e.code === 'SYN_WRONG_PASSPHRASE' && e.credential === 'passphrase');
  const { keyring: opened } = await Keyring.unlock([header, header], { passphrase: PASSPHRASE });
  assert.ok(sameKey(opened, keyring, 1));
});

test('a well-formed recovery code of another store is WrongPassphraseError for the recovery code', async () => {
  const { keyring } = await created;
  const other = await makeKeyring();
  await assert.rejects(Keyring.unlock([keyring.header()], { recoveryCode: other.recoveryCode }), (e: unknown) => e instanceof WrongPassphraseError && e.credential === 'recovery-code');
});

test('passphrases are NFKC-normalized so composed and decomposed forms match', async () => {
  const { keyring } = await Keyring.create({ passphrase: 'caf\u00e9 \ufb01ne', kdf: FAST_KDF });
  const { keyring: opened } = await Keyring.unlock([keyring.header()], { passphrase: 'cafe\u0301 fine' });
  assert.ok(sameKey(opened, keyring, 1));
});

test('changing the passphrase keeps the data keys and the recovery code, and retires the old passphrase', async () => {
  const { keyring, recoveryCode } = await created;
  const changed = await keyring.changePassphrase('a new passphrase');
  const header = changed.header();
  assert.equal(changed.sequence, keyring.sequence + 1n);
  await assert.rejects(Keyring.unlock([header, header], { passphrase: PASSPHRASE }), WrongPassphraseError);
  const byNew = await Keyring.unlock([header, header], { passphrase: 'a new passphrase' });
  const byCode = await Keyring.unlock([header, header], { recoveryCode });
  assert.ok(sameKey(byNew.keyring, keyring, 1));
  assert.ok(sameKey(byCode.keyring, keyring, 1));
});

test('a crash between the two header writes of a passphrase change locks nobody out', async () => {
  const { keyring } = await created;
  const before = keyring.header();
  const after = (await keyring.changePassphrase('next')).header();
  // Copy A was rewritten, copy B still holds the old header.
  const byOld = await Keyring.unlock([after, before], { passphrase: PASSPHRASE });
  const byNew = await Keyring.unlock([after, before], { passphrase: 'next' });
  assert.equal(byOld.keyring.sequence, keyring.sequence);
  assert.equal(byNew.keyring.sequence, keyring.sequence + 1n);
  assert.equal(byOld.repaired, true);
  assert.equal(byNew.repaired, true);
});

test('resetting the recovery code retires the old code', async () => {
  const { keyring, recoveryCode } = await created;
  const { keyring: reset, recoveryCode: fresh } = keyring.resetRecoveryCode();
  const header = reset.header();
  await assert.rejects(Keyring.unlock([header], { recoveryCode }), WrongPassphraseError);
  const { keyring: opened } = await Keyring.unlock([header], { recoveryCode: fresh.reveal() });
  assert.ok(sameKey(opened, keyring, 1));
});

test('a new epoch gets a distinct key, becomes current, and survives unlock; retiring drops the old one', async () => {
  const { keyring } = await created;
  const two = keyring.addEpoch();
  assert.equal(two.currentEpoch, 2);
  assert.deepEqual(two.epochs, [1, 2]);
  assert.ok(!Buffer.from(two.dataKey(2).bytes).equals(Buffer.from(two.dataKey(1).bytes)));
  const { keyring: opened } = await Keyring.unlock([two.header()], { passphrase: PASSPHRASE });
  assert.ok(sameKey(opened, two, 1) && sameKey(opened, two, 2));
  const retired = opened.retireEpoch(1);
  assert.deepEqual(retired.epochs, [2]);
  assert.throws(() => retired.dataKey(1), (e: unknown) => e instanceof IntegrityError && e.where === 'data-key');
  const { keyring: reopened } = await Keyring.unlock([retired.header()], { passphrase: PASSPHRASE });
  assert.deepEqual(reopened.epochs, [2]);
  assert.throws(() => retired.retireEpoch(2), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'epoch');
  assert.throws(() => retired.retireEpoch(9), InvalidArgumentError);
});

test('one damaged copy is survived and reported for repair; two are an integrity error', async () => {
  const { keyring } = await created;
  const good = keyring.header();
  const bad = good.slice();
  bad[500] = (bad[500] as number) ^ 0x01;
  const { keyring: opened, repaired } = await Keyring.unlock([bad, good], { passphrase: PASSPHRASE });
  assert.ok(sameKey(opened, keyring, 1));
  assert.equal(repaired, true);
  assert.equal((await Keyring.unlock([undefined, good], { passphrase: PASSPHRASE })).repaired, true);
  await assert.rejects(Keyring.unlock([bad, bad], { passphrase: PASSPHRASE }), (e: unknown) => e instanceof IntegrityError && e.where === 'header');
  await assert.rejects(Keyring.unlock([undefined, undefined], { passphrase: PASSPHRASE }), (e: unknown) => e instanceof IntegrityError && e.where === 'header');
});

test('a forged header (edited, checksum recomputed) fails its MAC', async () => {
  const { keyring } = await created;
  const forged = keyring.header();
  forged[EPOCHS + 4 + 10] = (forged[EPOCHS + 4 + 10] as number) ^ 0x80; // inside the epoch-1 KEM ciphertext
  await assert.rejects(Keyring.unlock([rechecksum(forged)], { passphrase: PASSPHRASE }), (e: unknown) => e instanceof IntegrityError && e.where === 'header');
});

test('an epoch entry spliced in from another store with the same passphrase is rejected', async () => {
  const { keyring } = await created;
  const other = await makeKeyring();
  const spliced = keyring.header();
  const donor = other.keyring.header();
  spliced.set(donor.subarray(EPOCHS, EPOCHS + 1196), EPOCHS);
  await assert.rejects(Keyring.unlock([rechecksum(spliced)], { passphrase: PASSPHRASE }), IntegrityError);
  // Slots of another store do not open here either: the AAD binds the store id.
  const slotSwap = keyring.header();
  slotSwap.set(donor.subarray(SEALED_SECRET, SEALED_SECRET + 72), SEALED_SECRET);
  await assert.rejects(Keyring.unlock([rechecksum(slotSwap)], { passphrase: PASSPHRASE }), WrongPassphraseError);
});

test('KDF costs lowered below the floor in a header are refused before any derivation', async () => {
  const { keyring } = await created;
  const weak = keyring.header();
  writeU32(weak, MEMORY_KIB, 1024);
  await assert.rejects(Keyring.unlock([rechecksum(weak)], { passphrase: PASSPHRASE }), (e: unknown) => e instanceof KdfTooWeakError && e.parameter === 'memoryKiB');
});

test('KDF costs edited upward do not open the slot: the costs are bound into its AAD', async () => {
  const { keyring } = await created;
  const edited = keyring.header();
  writeU32(edited, MEMORY_KIB + 4, 3);
  await assert.rejects(Keyring.unlock([rechecksum(edited)], { passphrase: PASSPHRASE }), WrongPassphraseError);
});

test('an aborted signal stops creation and unlock with AbortedError', async () => {
  const { keyring } = await created;
  const signal = AbortSignal.abort();
  await assert.rejects(Keyring.create({ passphrase: 'x', kdf: FAST_KDF, signal }), AbortedError);
  await assert.rejects(Keyring.unlock([keyring.header()], { passphrase: PASSPHRASE }, { signal }), (e: unknown) => e instanceof AbortedError && e.code === 'SYN_ABORTED');
});

test('a keyring and its recovery code print as redacted; wipe destroys the keys', async () => {
  const { keyring, recoveryCode } = await makeKeyring();
  const { keyring: k, recoveryCode: code } = keyring.resetRecoveryCode();
  assert.equal(inspect(k), 'Keyring(<redacted>)');
  assert.equal(`${code}`, '<redacted>');
  assert.ok(!inspect({ code }).includes(code.reveal()));
  assert.ok(recoveryCode.length > 0);
  const key = k.dataKey(1);
  k.wipe();
  assert.throws(() => key.bytes, TypeError);
});
