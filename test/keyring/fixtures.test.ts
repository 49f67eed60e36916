/**
 * Format fixtures: every store under test/fixtures/stores/ was written by an
 * earlier release (scripts/make-fixture-store.ts) and must still open with
 * this code and hold exactly what its expected.json says: KV pairs from runs
 * and from the WAL, a named snapshot, a document collection and its index,
 * and its key epoch. Each fixture is copied to a temporary directory first:
 * opening writes (WAL replay, header upgrade), and the fixture must stay as
 * the old release left it.
 *
 * Opening upgrades an older header to the current layout (crash-safe: a
 * kill between the two copies leaves one copy of each layout, and both
 * open), reporting progress; `readOnly: true` leaves every store file and
 * every LevelDB record as it was and refuses writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Collection, HEADER_FILES, ReadOnlyError, Store, type UpgradeProgress } from '../../src/index.ts';
import { HEADER_V2 } from '../../src/keyring/header.ts';
import { hex, readRaw, tempDir } from '../helpers/store-fixtures.ts';

const ROOT = fileURLToPath(new URL('../fixtures/stores/', import.meta.url));

interface Expected {
  readonly format: number;
  readonly passphrase: string;
  readonly recoveryCode: string;
  readonly kv: Record<string, string>;
  readonly deleted: string;
  readonly namedSnapshot: { readonly name: string; readonly has: string; readonly value: string };
  readonly collection: { readonly name: string; readonly index: string[]; readonly docs: Array<Record<string, unknown> & { _id: string; author: string }> };
  readonly keyEpoch: number;
}

const fixtures = (await readdir(ROOT, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

async function load(name: string): Promise<Expected> {
  return JSON.parse(await readFile(join(ROOT, name, 'expected.json'), 'utf8')) as Expected;
}

/** A private copy of the fixture's store directory. */
async function copyOf(t: Parameters<typeof tempDir>[0], name: string): Promise<string> {
  const dir = join(await tempDir(t, `synapsed-fixture-${name}-`), 'store');
  await cp(join(ROOT, name, 'store'), dir, { recursive: true });
  return dir;
}

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));

/** Asserts the store holds exactly the fixture's data. */
async function checkContents(store: Store, expected: Expected): Promise<void> {
  const all: Record<string, string> = {};
  for await (const [key, value] of store.scan()) all[text(key) as string] = text(value) as string;
  assert.deepEqual(all, expected.kv, 'every KV pair, from runs and from the WAL, and nothing else');
  assert.equal(await store.get(expected.deleted), undefined, 'the deleted key stays deleted');
  assert.equal(store.stats().keyEpoch, expected.keyEpoch);

  const snapshot = store.snapshots.get(expected.namedSnapshot.name);
  assert.ok(snapshot !== undefined, 'the named snapshot survives');
  try {
    assert.equal(text(await snapshot.get(expected.namedSnapshot.has)), expected.namedSnapshot.value);
  } finally {
    await snapshot.close();
  }

  const spec = expected.collection;
  const collection = await Collection.open(store, spec.name);
  assert.equal(await collection.count(), spec.docs.length);
  for (const doc of spec.docs) assert.deepEqual(await collection.get(doc._id), doc);
  const author = (spec.docs[0] as { author: string }).author;
  const plan = collection.explain({ author });
  assert.equal(plan.strategy, 'index', 'the stored index answers the query');
  const found: string[] = [];
  for await (const doc of collection.find({ author })) found.push(doc._id as string);
  assert.deepEqual(found.sort(), spec.docs.filter((d) => d.author === author).map((d) => d._id).sort());
}

test('there is at least one format fixture', () => {
  assert.ok(fixtures.length >= 1, `fixtures in ${ROOT}`);
});

for (const name of fixtures) {
  test(`fixture ${name} opens with its passphrase and holds its data`, async (t) => {
    const expected = await load(name);
    const dir = await copyOf(t, name);
    const store = await Store.open(dir, { passphrase: expected.passphrase });
    try {
      await checkContents(store, expected);
    } finally {
      await store.close();
    }
  });

  test(`fixture ${name} opens with its recovery code`, async (t) => {
    const expected = await load(name);
    const dir = await copyOf(t, name);
    const store = await Store.open(dir, { recoveryCode: expected.recoveryCode });
    try {
      await checkContents(store, expected);
    } finally {
      await store.close();
    }
  });
}

for (const name of fixtures) {
  test(`fixture ${name} is upgraded on open, reporting progress, and the upgraded store reopens by every credential`, async (t) => {
    const expected = await load(name);
    const dir = await copyOf(t, name);
    const before = await readFile(join(dir, HEADER_FILES[0]));
    const progress: UpgradeProgress[] = [];
    const store = await Store.open(dir, { passphrase: expected.passphrase, onProgress: (p) => progress.push(p) });
    await store.close();
    const layout = before[8] as number;
    if (layout === HEADER_V2) {
      assert.deepEqual(progress, [], 'a current store needs no upgrade');
      return;
    }
    assert.deepEqual(progress, [{ from: layout, to: HEADER_V2, done: 0, total: 1 }, { from: layout, to: HEADER_V2, done: 1, total: 1 }]);
    for (const file of HEADER_FILES) assert.equal((await readFile(join(dir, file)))[8], HEADER_V2, `${file} is upgraded`);
    for (const credential of [{ recoveryCode: expected.recoveryCode }, { passphrase: expected.passphrase }]) {
      const progressAgain: UpgradeProgress[] = [];
      const reopened = await Store.open(dir, { ...credential, onProgress: (p) => progressAgain.push(p) });
      try {
        assert.deepEqual(progressAgain, [], 'upgraded once');
        await checkContents(reopened, expected);
        assert.deepEqual(reopened.keySlots.list().map((s) => [s.id, s.type, s.created]), [[1, 'passphrase', undefined], [2, 'recovery-code', undefined]]);
      } finally {
        await reopened.close();
      }
    }
  });

  test(`fixture ${name}: a crash in the middle of the upgrade leaves a store that opens`, async (t) => {
    const expected = await load(name);
    const upgradedDir = await copyOf(t, name);
    const old = await readFile(join(upgradedDir, HEADER_FILES[0]));
    await (await Store.open(upgradedDir, { recoveryCode: expected.recoveryCode })).close();
    const upgraded = await readFile(join(upgradedDir, HEADER_FILES[0]));
    // The header file writer replaces A, then B: these are the states a kill can leave.
    const states: Array<[string, (dir: string) => Promise<void>]> = [
      ['A torn, B old', async (dir) => truncate(join(dir, HEADER_FILES[0]), 700)],
      ['A upgraded, B old', async (dir) => writeFile(join(dir, HEADER_FILES[0]), upgraded)],
      ['A upgraded, B torn', async (dir) => {
        await writeFile(join(dir, HEADER_FILES[0]), upgraded);
        await writeFile(join(dir, HEADER_FILES[1]), upgraded.subarray(0, 1300));
      }],
    ];
    for (const [label, crash] of states) {
      const dir = await copyOf(t, name);
      assert.deepEqual(await readFile(join(dir, HEADER_FILES[1])), old);
      await crash(dir);
      const store = await Store.open(dir, { passphrase: expected.passphrase });
      try {
        await checkContents(store, expected);
      } finally {
        await store.close();
      }
      for (const file of HEADER_FILES) assert.equal((await readFile(join(dir, file)))[8], HEADER_V2, `${label}: ${file} upgraded on open`);
      await (await Store.open(dir, { recoveryCode: expected.recoveryCode })).close();
    }
  });

  test(`fixture ${name} opened read-only keeps its files and records as they were and refuses writes`, async (t) => {
    const expected = await load(name);
    const dir = await copyOf(t, name);
    const files = ['HEADER-A', 'HEADER-B', 'CLOSED'];
    const before = await Promise.all(files.map((f) => readFile(join(dir, f))));
    const rawBefore = (await readRaw(dir)).map(([k, v]) => `${hex(k)}=${hex(v)}`);
    const progress: UpgradeProgress[] = [];
    const store = await Store.open(dir, { passphrase: expected.passphrase, readOnly: true, onProgress: (p) => progress.push(p) });
    try {
      assert.equal(store.readOnly, true);
      assert.deepEqual(progress, [], 'no upgrade');
      await checkContents(store, expected);
      const refused = (e: unknown): boolean => e instanceof ReadOnlyError && e.code === 'SYN_READ_ONLY';
      await assert.rejects(store.put('k', 'v'), refused);
      await assert.rejects(store.delete('config/theme'), refused);
      await assert.rejects(store.batch([{ type: 'put', key: 'a', value: 'b' }]), refused);
      await assert.rejects(store.transaction((tx) => tx.put('a', 'b')), refused);
      await assert.rejects(store.flush(), refused);
      await assert.rejects(store.rotateKey(), refused);
      await assert.rejects(store.resetRecoveryCode(), refused);
      await assert.rejects(store.changePassphrase(expected.passphrase, 'new'), refused);
      await assert.rejects(store.snapshots.create('x'), refused);
      await assert.rejects(store.snapshots.delete(expected.namedSnapshot.name), refused);
      await assert.rejects((await Collection.open(store, expected.collection.name)).insert({ author: 'x' }), refused);
    } finally {
      await store.close();
    }
    const after = await Promise.all(files.map((f) => readFile(join(dir, f))));
    for (let i = 0; i < files.length; i++) assert.deepEqual(after[i], before[i], `${files[i]} unchanged`);
    assert.deepEqual((await readRaw(dir)).map(([k, v]) => `${hex(k)}=${hex(v)}`), rawBefore, 'every LevelDB record unchanged (no flush, no clean-up)');
    // And the store still opens normally afterwards (and is upgraded then).
    const writable = await Store.open(dir, { passphrase: expected.passphrase });
    await writable.close();
  });
}
