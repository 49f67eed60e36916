/**
 * `npm start`: a short tour of what exists today, on a throwaway store
 * directory. Grows as the engine, documents, blobs and sync land.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring, WrongPassphraseError, readHeaderCopies, writeHeaderCopies } from '../src/index.ts';

const dir = await mkdtemp(join(tmpdir(), 'synapsed-demo-'));
try {
  let started = performance.now();
  const { keyring, recoveryCode } = await Keyring.create({ passphrase: 'correct horse battery staple' });
  await writeHeaderCopies(dir, keyring.header());
  console.log(`created a store key hierarchy in ${dir} (${(performance.now() - started).toFixed(0)} ms, Argon2id 64 MiB t=3 p=4 in a worker)`);
  console.log(`  files: ${(await readdir(dir)).join(', ')}`);
  console.log(`  recovery code (shown once): ${recoveryCode.reveal()}`);
  console.log(`  printed by accident it shows: ${recoveryCode}`);

  try {
    await Keyring.unlock(await readHeaderCopies(dir), { passphrase: 'wrong guess' });
  } catch (error) {
    if (!(error instanceof WrongPassphraseError)) throw error;
    console.log(`wrong passphrase -> ${error.name} (${error.code})`);
  }

  started = performance.now();
  const opened = await Keyring.unlock(await readHeaderCopies(dir), { passphrase: 'correct horse battery staple' });
  console.log(`unlocked by passphrase in ${(performance.now() - started).toFixed(0)} ms; current key epoch ${opened.keyring.currentEpoch}`);

  const changed = await opened.keyring.changePassphrase('a brand new passphrase');
  const rotated = changed.addEpoch();
  await writeHeaderCopies(dir, rotated.header());
  console.log(`changed the passphrase (header only, data keys untouched) and added key epoch ${rotated.currentEpoch}`);

  const recovered = await Keyring.unlock(await readHeaderCopies(dir), { recoveryCode: recoveryCode.reveal() });
  console.log(`unlocked by recovery code: epochs ${recovered.keyring.epochs.join(', ')}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
