/**
 * The published package, as a user gets it: `npm pack` (which builds
 * dist/ through `prepare`), the tarball installed into an empty directory,
 * then imported from plain ESM JavaScript, from CommonJS `require`
 * (Node >= 20.19 loads ESM synchronously), type-checked from a TypeScript
 * consumer with strict settings and no skipLibCheck, and its `synapsed`
 * bin run. The tarball must hold no tests, benchmarks, fuzzers or fixtures.
 *
 * Dependencies are installed from npm's cache (`--offline`); when the cache
 * lacks something (a fresh machine that only ran `npm ci`), npm may fetch
 * it (`--prefer-offline`); with no registry either, the repository's
 * node_modules are linked in. The diagnostic says which was used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/store-fixtures.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackResult {
  readonly filename: string;
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

async function sh(file: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, [...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Installs the tarball; returns how the dependencies were found. */
async function install(consumer: string, tarball: string): Promise<string> {
  for (const mode of ['--offline', '--prefer-offline']) {
    try {
      await sh(NPM, ['install', mode, '--no-audit', '--no-fund', '--no-package-lock', tarball], consumer);
      return mode;
    } catch {
      // Next mode.
    }
  }
  // No cache and no registry: the package from the tarball, its dependencies linked from this repository.
  const target = join(consumer, 'node_modules', 'synapsed-storage');
  await mkdir(target, { recursive: true });
  await sh('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], consumer);
  for (const name of await readdir(join(ROOT, 'node_modules'))) {
    if (name === '.bin' || name === 'synapsed-storage') continue;
    await symlink(join(ROOT, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
  }
  return 'linked node_modules';
}

const ESM = `
import { Store, Collection, instrumentStore, WrongPassphraseError } from 'synapsed-storage';
import { SynapsedLevel } from 'synapsed-storage/level';
const store = await Store.memory();
await store.put('greeting', 'hello');
const notes = await Collection.open(store, 'notes', { indexes: [{ fields: ['tag'] }] });
await notes.insert({ tag: 'x' });
const metrics = instrumentStore(store);
const value = new TextDecoder().decode(await store.get('greeting'));
const gets = metrics.snapshot().operations.get.count;
const db = new SynapsedLevel({ store });
await db.open();
await db.put('k', 'v');
console.log(JSON.stringify({ value, docs: await notes.count({ tag: 'x' }), gets, level: await db.get('k'), error: new WrongPassphraseError('passphrase').code }));
await db.close();
await store.close();
`;

const CJS = `
const { Store, FORMAT_LATEST } = require('synapsed-storage');
const { SynapsedLevel } = require('synapsed-storage/level');
(async () => {
  const store = await Store.memory();
  await store.put('k', 'from require');
  console.log(JSON.stringify({ value: new TextDecoder().decode(await store.get('k')), format: typeof FORMAT_LATEST, level: typeof SynapsedLevel }));
  await store.close();
})();
`;

const CONSUMER_TS = `
import { Store, Collection, instrumentStore, WrongPassphraseError, type StoreStats, type MetricsSnapshot, type Doc, type BlobInfo } from 'synapsed-storage';
import { SynapsedLevel } from 'synapsed-storage/level';

interface Note extends Doc { title: string; tags: string[] }

export async function main(dir: string): Promise<number> {
  const { store, recoveryCode } = await Store.create(dir, { passphrase: 'p' });
  const code: string = recoveryCode.reveal();
  const notes = await Collection.open<Note>(store, 'notes', { indexes: [{ fields: ['tags'], multi: true }] });
  const id: string = await notes.insert({ title: 'a', tags: ['x'] });
  for await (const note of notes.find({ tags: 'x' })) note.title.toUpperCase();
  const stats: StoreStats = store.stats();
  using metrics = instrumentStore(store);
  const snap: MetricsSnapshot = metrics.snapshot();
  const blob: BlobInfo = await store.blobs.write('b', new Uint8Array(3));
  const level = new SynapsedLevel<string, string>({ store });
  await level.close();
  try {
    await Store.open(dir, { passphrase: 'wrong' });
  } catch (e) {
    if (e instanceof WrongPassphraseError) return e.code.length;
  }
  await store.close();
  return stats.commits + snap.commits + id.length + code.length + blob.size;
}
`;

test('the packed tarball installs into an empty directory and works from ESM, require, TypeScript and its bin', { timeout: 300_000 }, async (t) => {
  const work = await tempDir(t, 'synapsed-pack-');
  const packed = JSON.parse(await sh(NPM, ['pack', '--json', '--pack-destination', work], ROOT)) as PackResult[];
  const info = packed[0];
  assert.ok(info !== undefined);
  const files = info.files.map((f) => f.path);

  const forbidden = files.filter((f) => /^(test|bench|fuzz|scripts|examples|\.tmp|scratch)\//.test(f) || /(^|\/)fixtures?(\/|$)/.test(f) || /\.test\.[cm]?[jt]s$/.test(f));
  assert.deepEqual(forbidden, [], 'no tests, benches, fuzzers or fixtures in the tarball');
  for (const needed of ['package.json', 'README.md', 'SECURITY.md', 'dist/index.js', 'dist/index.d.ts', 'dist/level/index.js', 'dist/level/index.d.ts', 'dist/cli/main.js']) {
    assert.ok(files.includes(needed), `${needed} is in the tarball`);
  }
  assert.ok(files.every((f) => /^(dist|src)\//.test(f) || ['package.json', 'README.md', 'SECURITY.md', 'LICENSE'].includes(f)), `only dist/, src/ and the top files: ${files.filter((f) => !/^(dist|src)\//.test(f)).join(', ')}`);

  const consumer = join(work, 'consumer');
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const how = await install(consumer, join(work, info.filename));
  t.diagnostic(`dependencies: ${how}`);

  await writeFile(join(consumer, 'esm.mjs'), ESM);
  const esm = JSON.parse(await sh(process.execPath, ['esm.mjs'], consumer)) as Record<string, unknown>;
  assert.deepEqual(esm, { value: 'hello', docs: 1, gets: 1, level: 'v', error: 'SYN_WRONG_PASSPHRASE' });

  await writeFile(join(consumer, 'cjs.cjs'), CJS);
  const cjs = JSON.parse(await sh(process.execPath, ['cjs.cjs'], consumer)) as Record<string, unknown>;
  assert.deepEqual(cjs, { value: 'from require', format: 'number', level: 'function' });

  await writeFile(join(consumer, 'consumer.ts'), CONSUMER_TS);
  await writeFile(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'es2022', lib: ['es2022', 'esnext.disposable'], module: 'nodenext', moduleResolution: 'nodenext',
      strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, skipLibCheck: false,
      types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')],
    },
    files: ['consumer.ts'],
  }));
  await sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer);

  const bin = join(consumer, 'node_modules', '.bin', 'synapsed');
  if (how !== 'linked node_modules') {
    await access(bin, constants.X_OK);
    assert.match(await sh(bin, ['--version'], consumer), /^0\.\d+\.\d+/);
  }
  const bench = JSON.parse(await sh(process.execPath, [join(consumer, 'node_modules', 'synapsed-storage', 'dist', 'cli', 'main.js'), 'bench', '--memory', '--count', '100', '--json'], consumer)) as { count: number };
  assert.equal(bench.count, 100);
});
