/**
 * Header files: both copies are written, read back, and a copy torn or lost
 * by a crash mid-write still leaves a store that unlocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADER_FILES, Keyring, readHeaderCopies, writeHeaderCopies } from '../../../src/index.ts';
import { PASSPHRASE, makeKeyring } from '../../helpers/keyring.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'synapsed-header-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('both copies hold the header, readable only by the owner', async (t) => {
  const dir = await tempDir(t);
  const { keyring } = await makeKeyring();
  await writeHeaderCopies(dir, keyring.header());
  const copies = await readHeaderCopies(dir);
  assert.deepEqual(copies, [keyring.header(), keyring.header()]);
  for (const name of HEADER_FILES) assert.equal((await stat(join(dir, name))).mode & 0o077, 0, `${name} is private`);
});

test('a rewrite with a shorter header leaves no stale tail', async (t) => {
  const dir = await tempDir(t);
  const { keyring } = await makeKeyring();
  const longer = keyring.addEpoch().addEpoch();
  await writeHeaderCopies(dir, longer.header());
  const shorter = longer.retireEpoch(1).retireEpoch(2);
  await writeHeaderCopies(dir, shorter.header());
  const copies = await readHeaderCopies(dir);
  assert.deepEqual(copies[0], shorter.header());
  assert.deepEqual(copies[1], shorter.header());
});

test('a copy torn mid-write or missing still unlocks from the other', async (t) => {
  const dir = await tempDir(t);
  const { keyring } = await makeKeyring();
  await writeHeaderCopies(dir, keyring.header());
  await truncate(join(dir, HEADER_FILES[0]), 1000);
  const torn = await Keyring.unlock(await readHeaderCopies(dir), { passphrase: PASSPHRASE });
  assert.equal(torn.repaired, true);
  await rm(join(dir, HEADER_FILES[0]));
  assert.equal((await readHeaderCopies(dir))[0], undefined);
  const missing = await Keyring.unlock(await readHeaderCopies(dir), { passphrase: PASSPHRASE });
  assert.deepEqual(missing.keyring.storeId, keyring.storeId);
});

test('the header files contain no passphrase or recovery code bytes', async (t) => {
  const dir = await tempDir(t);
  const { keyring, recoveryCode } = await makeKeyring();
  await writeHeaderCopies(dir, keyring.header());
  await writeFile(join(dir, 'probe'), '');
  for (const name of HEADER_FILES) {
    const bytes = await readFile(join(dir, name));
    assert.equal(bytes.indexOf(PASSPHRASE), -1);
    assert.equal(bytes.indexOf(recoveryCode), -1);
    assert.equal(bytes.indexOf(Buffer.from(keyring.dataKey(1).bytes)), -1, 'no data key in the clear');
  }
});
