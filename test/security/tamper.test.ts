/**
 * Tamper tests: an attacker edits the files of a closed store; the store
 * must answer every read with the right value or a typed error, never a
 * wrong value, an untyped error or a hang (issue 4, "Nothing wrong,
 * nothing lost"; anchors doc §2 test 4 and §3 "swapped or spliced").
 *
 * Every trial copies one pristine base store (fs.cp), damages the copy,
 * reopens it with the recovery code and reads the whole dataset back
 * (tamper-trial.ts, dataset.ts). Damage: bit flips in sealed records
 * (through raw LevelDB), swaps, splices from a second store with the same
 * passphrase, deleted and replayed records, and bit flips in the raw
 * LevelDB files. The last run in child processes (flip-child.ts): a
 * damaged table can abort the process inside LevelDB. Outcomes are counted
 * and printed. Tests marked todo pin engine bugs found here.
 *
 * Env: TAMPER_SEED (printed), TAMPER_VALUE_FLIPS (200), TAMPER_FILE_FLIPS (100).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntegrityError, Store } from '../../src/index.ts';
import {
  Rng, Tally, countFrom, createStore, hex, kindOf, listFiles, readRaw, seedFrom, writeRaw, type RawEntry,
} from '../helpers/store-fixtures.ts';
import { DATASET_OPTIONS, buildDataset, type Dataset } from './dataset.ts';
import type { FlipJob, FlipReport } from './flip-child.ts';
import { describeTrial, errorsOf, runTrial as runTrialIn, worst, type Base, type FileFlip, type Trial } from './tamper-trial.ts';

const SEED = seedFrom('TAMPER_SEED');
const VALUE_FLIPS = countFrom('TAMPER_VALUE_FLIPS', 200);
const FILE_FLIPS = countFrom('TAMPER_FILE_FLIPS', 100);
const DATASET_SEED = SEED ^ 0x5eed;
const FLIP_CHILD = fileURLToPath(new URL('./flip-child.ts', import.meta.url));
console.log(`tamper: TAMPER_SEED=${SEED}`);

let root = '';
let trialNumber = 0;

/** A store holding the dataset, closed; every base uses the same passphrase. */
async function makeBase(name: string): Promise<Base> {
  const dir = join(root, name);
  const { store, recoveryCode } = await createStore(dir, DATASET_OPTIONS);
  const dataset = await buildDataset(store, DATASET_SEED);
  await store.close();
  return { dir, recoveryCode, dataset, raw: await readRaw(dir) };
}

/** A small store of flushed data (and a WAL tail when `tail`), as a Base. */
async function smallStore(t: { after(fn: () => Promise<void>): void }, name: string, tail: boolean): Promise<Base> {
  const dir = join(root, name);
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { store, recoveryCode } = await createStore(dir, DATASET_OPTIONS);
  const model = new Map<string, Uint8Array>();
  for (let i = 0; i < 40; i++) {
    const v = Buffer.from(`value ${i}`);
    await store.put(`s/${i}`, v);
    model.set(`s/${i}`, v);
  }
  await store.snapshots.create('flushed');
  const snapshot = { name: 'flushed', model: new Map(model) };
  if (tail) {
    await store.put('s/tail', 'tail');
    model.set('s/tail', Buffer.from('tail'));
  }
  await store.close();
  const dataset: Dataset = { model, universe: [...model.keys()].sort(), snapshot };
  return { dir, recoveryCode, dataset, raw: await readRaw(dir) };
}

/** Copies the base, damages the copy with `mutate`, opens it and reads everything (tamper-trial.ts). */
function runTrial(base: Base, mutate: (dir: string) => Promise<void>): Promise<Trial> {
  return runTrialIn(base, join(root, `trial-${trialNumber++}`), mutate);
}

/** A file-flip trial's result as reported by flip-child.ts; 'process-crash' if the child died in it. */
interface FlipResult {
  readonly flip: FileFlip;
  readonly outcome: string;
  readonly open: string;
  readonly reads: readonly string[];
  readonly description: string;
}

/** Runs file-flip trials in child processes, starting a new child after one dies mid-trial. */
async function runFlipsInChildren(base: Base, flips: readonly FileFlip[]): Promise<FlipResult[]> {
  const results: FlipResult[] = [];
  const job = { base: { dir: base.dir, recoveryCode: base.recoveryCode, dataset: base.dataset }, flips, root };
  while (results.length < flips.length) {
    const child = fork(FLIP_CHILD, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let inFlight: number | undefined;
    child.on('message', (raw) => {
      const report = raw as FlipReport;
      if (report.t === 'start') inFlight = report.i;
      else {
        inFlight = undefined;
        results.push({ flip: flips[report.i] as FileFlip, outcome: report.outcome, open: report.open, reads: report.reads, description: report.description });
      }
    });
    child.send({ ...job, first: results.length } satisfies FlipJob);
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(watchdog);
    await new Promise((resolve) => setImmediate(resolve));
    if (results.length === flips.length) break;
    const i = inFlight ?? results.length;
    // Killed by a signal (SIGABRT, SIGSEGV): the engine's process would die too. Any other exit is a harness error.
    const outcome = signal === null ? 'child-error' : 'process-crash';
    results.push({ flip: flips[i] as FileFlip, outcome, open: outcome, reads: [], description: `child died (${signal ?? `exit ${code}`}) during the trial` });
  }
  return results;
}

/** Replaces raw values (null deletes) in the copy. */
function rawEdit(changes: ReadonlyArray<readonly [Uint8Array, Uint8Array | null]>): (dir: string) => Promise<void> {
  return (dir) => writeRaw(dir, changes);
}

const reachable = new Map<string, boolean>();

/**
 * Whether any read needs the record under `key`: deleting it changes some
 * answer. Old versions shadowed by newer runs (kept for the named snapshot)
 * are never read, so damage there is harmless and rightly goes unnoticed.
 */
async function isReachable(base: Base, key: Uint8Array): Promise<boolean> {
  const id = `${base.dir} ${hex(key)}`;
  let known = reachable.get(id);
  if (known === undefined) {
    known = worst(await runTrial(base, rawEdit([[key, null]]))) !== 'right';
    reachable.set(id, known);
  }
  return known;
}

function entriesOfKind(base: Base, kind: string): RawEntry[] {
  return base.raw.filter(([k, v]) => kindOf(k) === kind && v.length > 0);
}

/** Asserts the trial detected the damage with IntegrityError and gave no wrong answer. */
function assertDetected(trial: Trial, label: string, where?: IntegrityError['where']): IntegrityError[] {
  assert.equal(worst(trial), 'integrity', `${label}: ${describeTrial(trial)}`);
  const integrity = errorsOf(trial).filter((e): e is IntegrityError => e instanceof IntegrityError);
  assert.ok(integrity.length > 0, `${label}: no IntegrityError`);
  for (const error of integrity) assert.equal(error.code, 'SYN_INTEGRITY');
  if (where !== undefined) assert.ok(integrity.some((e) => e.where === where), `${label}: no IntegrityError where '${where}' (got ${integrity.map((e) => e.where).join(', ')})`);
  return integrity;
}

/** Draws `count` random single-bit flips over the LevelDB files of `base` that `accept` admits. */
async function drawFlips(base: Base, count: number, accept: (name: string) => boolean, seed: number): Promise<FileFlip[]> {
  const rng = new Rng(seed);
  const sizes = new Map<string, number>();
  for (const path of await listFiles(join(base.dir, 'db'))) {
    const name = basename(path);
    if (/^(LOCK|LOG|LOG\.old)$/.test(name) || !accept(name)) continue;
    const size = (await readFile(path)).length;
    if (size > 0) sizes.set(name, size);
  }
  // Tables hold nearly all the data: give each four times the weight of CURRENT or MANIFEST.
  const candidates = [...sizes.keys()].flatMap((name) => (name.endsWith('.ldb') ? [name, name, name, name] : [name]));
  assert.ok(candidates.length > 0, 'files to damage');
  return Array.from({ length: count }, () => {
    const file = rng.pick(candidates);
    return { file, offset: rng.int(sizes.get(file) as number), bit: rng.int(8) };
  });
}

/**
 * Flips one random bit in one random LevelDB file per trial (in child processes, see flip-child.ts);
 * asserts no wrong, untyped or hung answer. Process crashes are counted and listed (see the todo test
 * 'a flipped bit in a table entry's key length does not abort the process'), not asserted, so the
 * sweep keeps guarding the rest while that bug is open.
 */
async function fileFlipSweep(t: { diagnostic(message: string): void }, count: number, accept: (name: string) => boolean, seed: number): Promise<void> {
  const results = await runFlipsInChildren(sweepBase, await drawFlips(sweepBase, count, accept, seed));
  const trials = new Tally();
  const byFile = new Tally();
  const reads = new Tally();
  for (const r of results) {
    const label = `${r.flip.file} byte ${r.flip.offset} bit ${r.flip.bit}`;
    trials.add(r.outcome, ['wrong', 'untyped', 'hang', 'process-crash', 'child-error'].includes(r.outcome) ? `${label}: ${r.description}` : undefined);
    byFile.add(`${r.flip.file.replace(/\d+/, 'N')}:${r.open === 'right' ? 'opened' : `open-${r.open}`}:${r.outcome}`);
    if (r.open !== 'right') reads.add(`open:${r.open}`);
    for (const outcome of r.reads) reads.add(outcome);
  }
  t.diagnostic(`seed ${seed}; ${count} file flips by trial: ${trials}`);
  t.diagnostic(`by file: ${byFile}`);
  t.diagnostic(`reads: ${reads}`);
  for (const example of trials.examples.filter((e) => e.startsWith('process-crash'))) t.diagnostic(example);
  const bad = trials.get('wrong') + trials.get('untyped') + trials.get('hang') + trials.get('child-error');
  assert.equal(bad, 0, `no wrong values, untyped errors or hangs (TAMPER_SEED=${SEED}): ${trials}\n${trials.examples.join('\n')}`);
}

let sweepBase: Base;

describe('tampered store', () => {
  let base: Base;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'synapsed-tamper-'));
    base = await makeBase('base');
    sweepBase = base;
  });
  after(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  test('the untouched copy reads back exactly (control)', async () => {
    const kinds = new Set(base.raw.map(([k]) => kindOf(k)));
    for (const kind of ['M', 'W', 'I', 'B', 'V']) assert.ok(kinds.has(kind), `base holds ${kind} records`);
    const trial = await runTrial(base, async () => undefined);
    assert.equal(worst(trial), 'right', describeTrial(trial));
  });

  test(`${VALUE_FLIPS} single bit flips in stored records: right value or IntegrityError, never wrong`, async (t) => {
    const rng = new Rng(SEED);
    const records = base.raw.filter(([, v]) => v.length > 0);
    const trials = new Tally();
    const reads = new Tally();
    const byKind = new Tally();
    for (let i = 0; i < VALUE_FLIPS; i++) {
      const [key, value] = rng.pick(records);
      const offset = rng.int(value.length);
      const bit = rng.int(8);
      const damaged = new Uint8Array(value);
      damaged[offset] = (damaged[offset] as number) ^ (1 << bit);
      const trial = await runTrial(base, rawEdit([[key, damaged]]));
      let outcome: string = worst(trial);
      if (outcome === 'right') outcome = (await isReachable(base, key)) ? 'undetected' : 'unread-record';
      const label = `${kindOf(key)} ${hex(key)} byte ${offset} bit ${bit}`;
      trials.add(outcome, outcome === 'integrity' || outcome === 'unread-record' ? undefined : `${label}: ${describeTrial(trial)}`);
      byKind.add(`${kindOf(key)}:${outcome}`);
      if (trial.open !== 'right') reads.add(`open:${trial.open}`);
      for (const r of trial.reads) reads.add(r.outcome);
    }
    t.diagnostic(`seed ${SEED}; ${VALUE_FLIPS} flips by trial: ${trials}`);
    t.diagnostic(`by kind: ${byKind}`);
    t.diagnostic(`reads: ${reads}`);
    assert.equal(trials.get('integrity') + trials.get('unread-record'), VALUE_FLIPS, `every flip detected, nothing else (seed ${SEED}): ${trials}\n${trials.examples.join('\n')}`);
    assert.equal(reads.get('wrong'), 0);
  });

  test('a flipped format-version byte reads as IntegrityError', async () => {
    for (const kind of ['W', 'B', 'I', 'M']) {
      const [key, value] = entriesOfKind(base, kind)[0] as RawEntry;
      const damaged = new Uint8Array(value);
      damaged[0] = (damaged[0] as number) ^ 0x02;
      assertDetected(await runTrial(base, rawEdit([[key, damaged]])), `version byte of ${kind}`);
    }
  });

  for (const [kind, where] of [['W', 'wal'], ['B', 'page'], ['I', 'page'], ['V', 'page']] as const) {
    test(`two sealed ${kind} records swapped: IntegrityError where '${where}'`, async () => {
      const rng = new Rng(SEED + kind.charCodeAt(0));
      const entries = entriesOfKind(base, kind);
      assert.ok(entries.length >= 2, `base holds at least two ${kind} records`);
      let swaps = 0;
      for (let attempt = 0; attempt < 40 && swaps < 10; attempt++) {
        const a = rng.pick(entries);
        let b = rng.pick(entries);
        while (b === a) b = rng.pick(entries);
        const trial = await runTrial(base, rawEdit([[a[0], b[1]], [b[0], a[1]]]));
        // Two old versions no read needs may trade places unnoticed; if either is needed, the swap must show.
        if (worst(trial) === 'right' && !(await isReachable(base, a[0])) && !(await isReachable(base, b[0]))) continue;
        assertDetected(trial, `swap ${hex(a[0])} <-> ${hex(b[0])}`, where);
        swaps++;
      }
      assert.equal(swaps, 10, 'ten swaps involving a record some read needs');
    });
  }

  test('a record spliced from another store with the same passphrase: IntegrityError', async () => {
    const other = await makeBase('other');
    const otherRaw = new Map(other.raw.map(([k, v]) => [hex(k), v]));
    const shared = base.raw.filter(([k, v]) => v.length > 0 && otherRaw.has(hex(k)));
    // Same seed, same workload: the two stores name their records alike, so each splice lands on a real key.
    assert.equal(shared.length, base.raw.filter(([, v]) => v.length > 0).length, 'both stores hold the same record keys');
    const rng = new Rng(SEED + 3);
    for (const kind of ['M', 'W', 'I', 'B', 'V']) {
      const ofKind = shared.filter(([k]) => kindOf(k) === kind);
      for (let i = 0; i < Math.min(5, ofKind.length); i++) {
        const [key] = rng.pick(ofKind);
        const trial = await runTrial(base, rawEdit([[key, otherRaw.get(hex(key)) as Uint8Array]]));
        if (worst(trial) === 'right' && !(await isReachable(base, key))) continue;
        assertDetected(trial, `${kind} ${hex(key)} from the other store`, kind === 'W' ? 'wal' : 'page');
      }
    }
  });

  test('a WAL record deleted from the middle or the start of the tail: IntegrityError where wal', async () => {
    const wal = entriesOfKind(base, 'W');
    assert.ok(wal.length >= 3, 'the base keeps a WAL tail');
    for (const index of [0, Math.floor(wal.length / 2), wal.length - 2]) {
      const [key] = wal[index] as RawEntry;
      const seq = Number(Buffer.from(key).readBigUInt64BE(1));
      const trial = await runTrial(base, rawEdit([[key, null]]));
      const errors = assertDetected(trial, `WAL ${seq} deleted`, 'wal');
      assert.ok(errors.some((e) => e.where === 'wal' && e.id === String(seq)), `IntegrityError names the missing sequence ${seq}`);
    }
  });

  test('a deleted block, large value or run index: IntegrityError where page', async () => {
    for (const kind of ['B', 'V', 'I']) {
      const entries = entriesOfKind(base, kind);
      // A record some read needs, shown independently of deletion: a flipped bit in it is noticed.
      let needed: RawEntry | undefined;
      for (let i = 0; i < entries.length && needed === undefined; i++) {
        const [key, value] = entries[(i + (entries.length >> 1)) % entries.length] as RawEntry;
        const damaged = new Uint8Array(value);
        damaged[value.length - 1] = (damaged[value.length - 1] as number) ^ 0x01;
        if (worst(await runTrial(base, rawEdit([[key, damaged]]))) !== 'right') needed = [key, value];
      }
      assert.ok(needed !== undefined, `some ${kind} record is read`);
      assertDetected(await runTrial(base, rawEdit([[needed[0], null]])), `${kind} ${hex(needed[0])} deleted`, 'page');
    }
  });

  test('a deleted manifest is detected, not read as an empty store', async (t) => {
    const small = await smallStore(t, 'no-manifest', false);
    const [key] = entriesOfKind(small, 'M')[0] as RawEntry;
    assertDetected(await runTrial(small, rawEdit([[key, null]])), 'manifest deleted');
  });

  test('detecting a deleted manifest destroys nothing: restoring it restores the store', async () => {
    const [key, manifest] = entriesOfKind(base, 'M')[0] as RawEntry;
    const trial = await runTrial(base, async (dir) => {
      await writeRaw(dir, [[key, null]]);
      const failed = await Store.open(dir, { recoveryCode: base.recoveryCode }).then(async (s) => {
        await s.close();
        return false;
      }, (error: unknown) => error instanceof IntegrityError);
      assert.ok(failed, 'open without the manifest fails with IntegrityError');
      await writeRaw(dir, [[key, manifest]]);
    });
    assert.equal(worst(trial), 'right', describeTrial(trial));
  });

  test('an older manifest replayed over the current one is detected', async (t) => {
    const dir = join(root, 'replay');
    t.after(() => rm(dir, { recursive: true, force: true }));
    const { store, recoveryCode } = await createStore(dir, DATASET_OPTIONS);
    for (let i = 0; i < 50; i++) await store.put(`r/${i}`, `old ${i}`);
    await store.flush();
    await store.close();
    const [key, older] = (await readRaw(dir)).find(([k]) => kindOf(k) === 'M') as RawEntry;
    const reopened = await Store.open(dir, { recoveryCode });
    for (let i = 0; i < 50; i++) await reopened.put(`r/${i}`, `new ${i}`);
    await reopened.flush();
    await reopened.close();
    const current = (await readRaw(dir)).find(([k]) => kindOf(k) === 'M') as RawEntry;
    assert.notDeepEqual(current[1], older, 'the manifest changed');
    await writeRaw(dir, [[key, older]]);
    const model = new Map(Array.from({ length: 50 }, (_, i) => [`r/${i}`, Buffer.from(`new ${i}`)] as const));
    const replay: Base = { dir, recoveryCode, raw: [], dataset: { model, universe: [...model.keys()] } };
    const trial = await runTrial(replay, async () => undefined);
    // Either refused with IntegrityError, or (if the engine could recover) the newest data is served.
    assert.ok(['integrity', 'right'].includes(worst(trial)), describeTrial(trial));
  });

  // LevelDB drops a damaged log tail silently; the engine's close marker (engine.ts) turns that into IntegrityError.
  test(`${FILE_FLIPS} bit flips in LevelDB tables, MANIFEST and CURRENT: typed errors or right values, never wrong`, async (t) => {
    await fileFlipSweep(t, FILE_FLIPS, (name) => !name.endsWith('.log'), SEED + 7);
  });

  test(`${Math.ceil(FILE_FLIPS / 2)} bit flips in LevelDB's log: typed errors or right values, never wrong`, async (t) => {
    await fileFlipSweep(t, Math.ceil(FILE_FLIPS / 2), (name) => name.endsWith('.log'), SEED + 11);
  });

  test('a flipped byte at the end of LevelDB\'s log is not a silent loss of the last commit', async (t) => {
    const small = await smallStore(t, 'log-tail', true);
    const log = (await listFiles(join(small.dir, 'db'))).filter((f) => f.endsWith('.log'));
    assert.equal(log.length, 1, 'one LevelDB log');
    const bytes = await readFile(log[0] as string);
    assert.ok(bytes.length > 0, 'the log holds the unflushed tail');
    const trial = await runTrial(small, async (dir) => {
      const damaged = Buffer.from(bytes);
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0x01;
      await writeFile(join(dir, 'db', basename(log[0] as string)), damaged);
    });
    assert.ok(['integrity', 'right'].includes(worst(trial)), describeTrial(trial));
  });

  test('a flipped bit in a table entry\'s key length does not abort the process', { todo: 'bug: classic-level 3.0.0 ships LevelDB built with C asserts on; a table entry whose key length is flipped below 8 bytes trips assert(internal_key.size() >= 8) in leveldb::ExtractUserKey (db/dbformat.h:99) on the first read of that block, and the process dies with SIGABRT instead of the read failing with a typed error' }, async () => {
    const tables = (await listFiles(join(sweepBase.dir, 'db'))).filter((f) => f.endsWith('.ldb'));
    assert.ok(tables.length > 0, 'the base has LevelDB tables');
    const table = tables[0] as string;
    const bytes = await readFile(table);
    // A table starts with its first data block, whose first entry is: shared 0 | non-shared key length | value length | ...
    const keyLength = bytes[1] as number;
    assert.equal(bytes[0], 0, 'first entry shares nothing');
    assert.ok(keyLength >= 8 && keyLength < 24, `internal key of 8..23 bytes (${keyLength})`);
    const bit = keyLength >= 16 ? 4 : 3;
    const [result] = await runFlipsInChildren(sweepBase, [{ file: basename(table), offset: 1, bit }]);
    assert.ok(result !== undefined && ['integrity', 'other-typed', 'right'].includes(result.outcome), `${result?.outcome}: ${result?.description}`);
  });
});
