/**
 * Writes a small store with the code of this checkout, as a format fixture:
 * test/fixtures/stores/<name>/ gets `store/` (the store directory),
 * `expected.json` (what the store must hold) and a README (credentials).
 *
 * Run once per released format version, BEFORE a format change, and commit
 * the output: test/keyring/fixtures.test.ts opens every fixture with the
 * current code, so a change that can no longer read an older store fails.
 *
 *   npx tsx scripts/make-fixture-store.ts v1-basic
 *
 * The store holds KV pairs both in encrypted runs (flushed) and only in the
 * WAL (replayed at open), a deleted key, a named snapshot, a document
 * collection with a secondary index, and a rotated key (epoch 2), so an
 * upgrade has to carry runs, WAL, manifest, snapshots and several epochs.
 * Its secrets are public test values at the Argon2id floor: never reuse them.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Collection, FORMAT_LATEST, KDF_FLOOR, Store } from '../src/index.ts';

const name = process.argv[2];
if (name === undefined || !/^v\d+-[a-z0-9-]+$/.test(name)) {
  console.error('usage: tsx scripts/make-fixture-store.ts v<format>-<name>   (e.g. v1-basic)');
  process.exit(2);
}
const root = fileURLToPath(new URL(`../test/fixtures/stores/${name}/`, import.meta.url));
const storeDir = join(root, 'store');
const PASSPHRASE = `fixture ${name} passphrase`;

const kvFlushed: Record<string, string> = {
  'chat/alice/0001': 'hello alice',
  'chat/alice/0002': 'second message',
  'chat/bob/0001': 'hi bob',
  'config/theme': 'dark',
};
const kvInWal: Record<string, string> = {
  'chat/carol/0001': 'written after the flush: lives in the WAL only',
  'config/lang': 'en',
};
const deleted = 'chat/bob/0002';
const notes = [
  { _id: 'note-1', author: 'ada', title: 'engines', tags: ['math', 'machines'], stars: 5 },
  { _id: 'note-2', author: 'grace', title: 'compilers', tags: ['code'], stars: 4 },
  { _id: 'note-3', author: 'ada', title: 'poetry', tags: [], stars: 3 },
];

await rm(root, { recursive: true, force: true });
await mkdir(root, { recursive: true });
const { store, recoveryCode } = await Store.create(storeDir, { passphrase: PASSPHRASE, kdf: KDF_FLOOR });
for (const [key, value] of Object.entries(kvFlushed)) await store.put(key, value);
await store.put(deleted, 'soon gone');
const collection = await Collection.open(store, 'notes', { indexes: [{ fields: ['author'] }] });
for (const note of notes) await collection.insert(note);
await store.snapshots.create('before-delete');
await store.delete(deleted);
await store.rotateKey();
await store.flush();
for (const [key, value] of Object.entries(kvInWal)) await store.put(key, value);
await store.close();

const expected = {
  format: FORMAT_LATEST,
  passphrase: PASSPHRASE,
  recoveryCode: recoveryCode.reveal(),
  kdf: KDF_FLOOR,
  kv: { ...kvFlushed, ...kvInWal },
  deleted,
  namedSnapshot: { name: 'before-delete', has: deleted, value: 'soon gone' },
  collection: { name: 'notes', index: ['author'], docs: notes },
  keyEpoch: 2,
};
await writeFile(join(root, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
await writeFile(join(root, 'README.md'), `# Fixture store \`${name}\`

Written by \`scripts/make-fixture-store.ts\` with store format ${FORMAT_LATEST} (the header layout of
that release). Opened by \`test/keyring/fixtures.test.ts\`, always from a copy: never open this folder
in place (opening writes to it).

- passphrase: \`${PASSPHRASE}\`
- recovery code: \`${recoveryCode.reveal()}\`
- Argon2id: ${KDF_FLOOR.memoryKiB} KiB, t=${KDF_FLOOR.iterations}, p=${KDF_FLOOR.parallelism} (the floor, so tests stay fast)

These are public test secrets. \`expected.json\` lists what the store holds: KV pairs in runs and in
the WAL only, a deleted key, the named snapshot \`before-delete\` (which still has it), the collection
\`notes\` with an index on \`author\`, and key epoch 2 (the key was rotated once).
`);
console.log(`wrote ${root}: ${(await readdir(storeDir)).join(', ')}`);
