/**
 * Sealed engine records: a record opens only as the kind, location, store
 * and epoch it was sealed for; damage, truncation and unknown versions are
 * typed errors that name the record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatVersionError, IntegrityError } from '../../../src/errors.ts';
import { KIND } from '../../../src/format.ts';
import { Keyring } from '../../../src/keyring/keyring.ts';
import { RecordCipher } from '../../../src/engine/record.ts';
import { utf8 } from '../../../src/util/bytes.ts';

const keyring = await Keyring.createEphemeral();
const cipher = new RecordCipher(keyring);
const here = utf8('run 1 block 2');
const isIntegrity = (e: unknown): boolean => e instanceof IntegrityError && e.where === 'page' && e.id === 'rec';

test('a record opens to its plaintext and starts with version and epoch', () => {
  const sealed = cipher.seal(KIND.PAGE, here, utf8('payload'));
  assert.equal(sealed[0], 1);
  assert.equal(RecordCipher.epochOf(sealed), 1);
  assert.deepEqual(cipher.open(KIND.PAGE, here, sealed, 'page', 'rec'), utf8('payload'));
});

test('another kind, location, store or epoch does not open it', async () => {
  const sealed = cipher.seal(KIND.PAGE, here, utf8('payload'));
  assert.throws(() => cipher.open(KIND.WAL, here, sealed, 'page', 'rec'), isIntegrity);
  assert.throws(() => cipher.open(KIND.PAGE, utf8('run 1 block 3'), sealed, 'page', 'rec'), isIntegrity);
  const other = new RecordCipher(await Keyring.createEphemeral());
  assert.throws(() => other.open(KIND.PAGE, here, sealed, 'page', 'rec'), isIntegrity);
  const relabelled = sealed.slice();
  relabelled[4] = 2; // claims epoch 2, which this keyring does not have
  assert.throws(() => cipher.open(KIND.PAGE, here, relabelled, 'page', 'rec'), isIntegrity);
  const rotated = new RecordCipher(keyring.addEpoch());
  const underTwo = rotated.seal(KIND.PAGE, here, utf8('payload'));
  assert.equal(RecordCipher.epochOf(underTwo), 2);
  const claimsOne = underTwo.slice();
  claimsOne[4] = 1; // epoch 1 exists, but the AAD binds epoch 2
  assert.throws(() => rotated.open(KIND.PAGE, here, claimsOne, 'page', 'rec'), isIntegrity);
  assert.deepEqual(rotated.open(KIND.PAGE, here, sealed, 'page', 'rec'), utf8('payload'), 'old epoch still reads');
});

test('every flipped byte, every truncation and an unknown version byte are integrity errors', () => {
  const sealed = cipher.seal(KIND.WAL, here, utf8('a small record'));
  for (let i = 0; i < sealed.length; i++) {
    const damaged = sealed.slice();
    damaged[i] = (damaged[i] as number) ^ 0x10;
    assert.throws(() => cipher.open(KIND.WAL, here, damaged, 'page', 'rec'), isIntegrity, `byte ${i}`);
  }
  for (let length = 0; length < sealed.length; length++) {
    assert.throws(() => cipher.open(KIND.WAL, here, sealed.subarray(0, length), 'page', 'rec'), isIntegrity, `length ${length}`);
  }
  // Inside an open store a record's version can only be damaged: a newer format is declared by the header.
  const flipped = sealed.slice();
  flipped[0] = 9;
  assert.throws(() => cipher.open(KIND.WAL, here, flipped, 'page', 'rec'), (e: unknown) => isIntegrity(e) && !(e instanceof FormatVersionError));
});
