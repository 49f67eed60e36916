/**
 * Simulated power loss (issue 7): one seeded workload runs on a
 * PowerLossBackend (test/helpers/power-loss-backend.ts) that logs every
 * storage call; afterwards every cut the log allows is rebuilt, reopened
 * and checked against a model. Shared by test/reliability/power-loss.test.ts
 * (a sample of the cuts) and fuzz/power-loss.ts (every cut, many seeds).
 *
 * Workload (engine + Keyspace, no Store): puts, deletes, batches, transfer
 * transactions between accounts (each writes both balances and a log
 * entry), concurrent groups of those (group commit, transaction retries),
 * some 'sync' and most 'relaxed', flushes forced by a tiny memtable (runs,
 * merges, large values, block reads), one key rotation with writes going
 * on, named snapshots created, replaced and deleted, and a clean close at
 * the end.
 *
 * The model: every commit the engine acknowledged, with its sequence and
 * its ops (recorded at Engine.commit, and checked to be exactly the
 * operations the application saw acknowledged), and the storage call that
 * wrote its WAL record. Because the surviving LevelDB state is the write log cut at
 * some call L, the store after reopen must equal exactly the commits whose
 * WAL record was written at or before L, applied in sequence order. That
 * one equality covers all of: no acknowledged 'sync' commit lost (L is at
 * least the last completed sync write), no transaction or batch partly
 * visible, relaxed commits surviving as a prefix. Checked besides: the
 * open succeeds, account balances still sum to the total, every named
 * snapshot that survived holds exactly the commits up to its sequence,
 * `verify()` finds no damage, and the reopened store takes a durable write.
 */
import { Engine, type EngineOptions, type KeyRange, type View } from '../../src/engine/engine.ts';
import { Keyspace } from '../../src/engine/keyspace.ts';
import { NAMESPACE } from '../../src/engine/input.ts';
import { rotateKey } from '../../src/engine/rotate.ts';
import { verifyStore } from '../../src/engine/verify.ts';
import type { WriteOp } from '../../src/engine/wal.ts';
import { Keyring } from '../../src/keyring/keyring.ts';
import { KDF_FLOOR } from '../../src/keyring/kdf-params.ts';
import { readU64 } from '../../src/util/bytes.ts';
import { EMPTY_STATE, PowerLossBackend, mapKey, survivorsOf, type Cut, type LoggedCall, type SurvivingState } from '../helpers/power-loss-backend.ts';
import { Rng } from '../helpers/store-fixtures.ts';

export const TUNING: EngineOptions = { memtableBytes: 3000, blockBytes: 256, largeValueBytes: 96, cacheBytes: 8192 };
const ACCOUNTS = 8;
const START_BALANCE = 100;
const KEYS = 150;
const enc = new TextEncoder();
const dec = new TextDecoder();
const userKey = (s: string): Uint8Array => Uint8Array.from([NAMESPACE.USER, ...enc.encode(s)]);
const ALL: KeyRange = { lowInclusive: true, highInclusive: true, reverse: false };

/** One acknowledged commit. */
export interface CommitRecord {
  readonly seq: number;
  readonly ops: readonly WriteOp[];
  readonly sync: boolean;
  /** Storage call (1-based) that first wrote its WAL record. */
  writeCall: number;
}

/** What the workload left: the log, the model, and how to unlock. */
export interface PowerLossRun {
  readonly seed: number;
  readonly log: readonly LoggedCall[];
  /** Acknowledged commits in sequence order. */
  readonly commits: readonly CommitRecord[];
  /** First call a cut may fall in: the store exists (header and first manifest written). */
  readonly firstCut: number;
  readonly recoveryCode: string;
  readonly operations: number;
  readonly stats: { flushes: number; merges: number; syncCommits: number; relaxedCommits: number; groups: number; reads: number };
}

/** Runs the seeded workload of about `operations` operations. */
export async function runWorkload(seed: number, operations: number): Promise<PowerLossRun> {
  const rng = new Rng(seed);
  const backend = await PowerLossBackend.create();
  const { keyring, recoveryCode } = await Keyring.create({ passphrase: 'power loss', kdf: KDF_FLOOR });
  await backend.writeHeader(keyring.header());
  const engine = await Engine.open(backend, keyring, TUNING);
  const firstCut = backend.log.length + 1;
  const commits: CommitRecord[] = [];
  // Record what the engine acknowledges: its sequence and exactly the ops it was given.
  const commit = engine.commit.bind(engine);
  engine.commit = async (ops, sync, readSet) => {
    const seq = await commit(ops, sync, readSet);
    commits.push({ seq, ops: ops.map((o) => ({ key: o.key.slice(), value: o.value === null ? null : o.value.slice() })), sync, writeCall: 0 });
    return seq;
  };
  const ks = new Keyspace(engine, NAMESPACE.USER, 'relaxed', () => {});
  const durability = (): { durability: 'sync' | 'relaxed' } => ({ durability: rng.chance(0.3) ? 'sync' : 'relaxed' });
  const value = (id: number): string => `v${id}.` + 'x'.repeat(rng.chance(0.1) ? rng.range(100, 300) : rng.range(0, 40));
  const key = (): string => `k/${String(rng.int(KEYS)).padStart(3, '0')}`;

  // What the application asked for, per acknowledged operation (checked against `commits` at the end).
  const intents: string[] = [];
  const acked = (promise: Promise<unknown>, ops: () => Array<[string, string | null]>): Promise<unknown> => promise.then(() => intents.push(intent(ops())));
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({ type: 'put' as const, key: `a/${i}`, value: String(START_BALANCE) }));
  await acked(ks.batch(accounts, { durability: 'sync' }), () => accounts.map((o) => [o.key, o.value]));
  let id = 0;
  const one = (): Promise<unknown> => {
    const n = ++id;
    const roll = rng.next();
    if (roll < 0.4) {
      const [k, v] = [key(), value(n)];
      return acked(ks.put(k, v, durability()), () => [[k, v]]);
    }
    if (roll < 0.55) {
      const k = key();
      return acked(ks.delete(k, durability()), () => [[k, null]]);
    }
    if (roll < 0.75) {
      const ops = Array.from({ length: rng.range(2, 6) }, (_, j) => (rng.chance(0.75) ? { type: 'put' as const, key: key(), value: value(n * 10 + j) } : { type: 'del' as const, key: key() }));
      return acked(ks.batch(ops, durability()), () => ops.map((o) => [o.key, o.type === 'put' ? o.value : null]));
    }
    const from = rng.int(ACCOUNTS);
    const to = (from + 1 + rng.int(ACCOUNTS - 1)) % ACCOUNTS;
    const want = rng.range(1, 40);
    let writes: Array<[string, string]> = [];
    return acked(ks.transaction(async (tx) => {
      const a = Number(dec.decode(await tx.get(`a/${from}`)));
      const b = Number(dec.decode(await tx.get(`a/${to}`)));
      const amount = Math.min(a, want);
      // A transaction commits its writes in key order.
      writes = [[`a/${from}`, String(a - amount)], [`a/${to}`, String(b + amount)], [`t/${n}`, `${from}>${to}:${amount}`]];
      writes.sort((x, y) => (x[0] < y[0] ? -1 : 1));
      for (const [k, v] of writes) tx.put(k, v);
    }, { ...durability(), maxAttempts: 100 }), () => writes);
  };
  let groups = 0;
  const rotateAt = Math.floor(operations * 0.6);
  let done = 0;
  let rotated = false;
  // Named snapshots: created, replaced and deleted at these fractions of the run (manifest writes that pin runs).
  const snapshotSteps: Array<[number, string, boolean]> = [[0.3, 'a', true], [0.5, 'b', true], [0.7, 'a', true], [0.85, 'b', false]];
  while (done < operations) {
    const step = snapshotSteps[0];
    if (step !== undefined && done >= operations * step[0]) {
      snapshotSteps.shift();
      if (step[2]) await engine.flush();
      await engine.exclusive(() => engine.setNamed(step[1], step[2]));
      done++;
    } else if (!rotated && done >= rotateAt) {
      rotated = true;
      // Rotation with writes going on: commits during the header switch and the re-sealing.
      const writers = Array.from({ length: 6 }, () => one());
      await Promise.all([rotateKey(engine, backend, {}), ...writers]);
      done += 7;
    } else if (rng.chance(0.15)) {
      const size = rng.range(2, 5);
      groups++;
      await Promise.all(Array.from({ length: size }, () => one()));
      done += size;
    } else if (rng.chance(0.02)) {
      await engine.flush();
      done++;
    } else {
      await one();
      done++;
    }
  }
  // The end: a few relaxed commits left in the WAL (too small to flush at close), then a clean close.
  await engine.flush();
  for (let i = 0; i < 3; i++) {
    const v = `v${++id}`;
    await acked(ks.put(`k/tail${i}`, v, { durability: 'relaxed' }), () => [[`k/tail${i}`, v]]);
  }
  done += 4;
  await engine.close({ flushAbove: 1 << 20 });
  await backend.close();
  commits.sort((a, b) => a.seq - b.seq);
  // The call that first wrote each WAL record (key 'W' + u64 sequence).
  const writeCallOf = new Map<number, number>();
  backend.log.forEach((call, i) => {
    if (call.kind !== 'write') return;
    for (const op of call.ops) {
      if (op.type !== 'put' || op.key[0] !== 0x57 || op.key.length !== 9) continue;
      const seq = Number(readU64(op.key, 1));
      if (!writeCallOf.has(seq)) writeCallOf.set(seq, i + 1);
    }
  });
  for (const c of commits) c.writeCall = writeCallOf.get(c.seq) ?? 0;
  // The engine committed exactly what the application asked, once each: the model is the application's, not only the engine's.
  const committed = commits.map((c) => intent(c.ops.map((o) => [dec.decode(o.key.subarray(1)), o.value === null ? null : dec.decode(o.value)]))).sort();
  const asked = [...intents].sort();
  if (JSON.stringify(committed) !== JSON.stringify(asked)) throw new Error(`seed ${seed}: the engine's commits differ from the acknowledged operations (${committed.length} against ${asked.length})`);
  return {
    seed, log: backend.log, commits, firstCut, recoveryCode: recoveryCode.reveal(), operations: done,
    stats: {
      flushes: engine.stats.flushes, merges: engine.stats.merges, groups, reads: backend.reads,
      syncCommits: commits.filter((c) => c.sync).length, relaxedCommits: commits.filter((c) => !c.sync).length,
    },
  };
}

/** Every distinct surviving state over all cuts from `run.firstCut` to after the last call. */
export function allCuts(run: PowerLossRun): Cut[] {
  const log = run.log;
  const seen = new Set<string>();
  const cuts: Cut[] = [];
  let lastSync = 0;
  let lastWrite = 0;
  // Which header/marker/side-file calls have completed, as a signature of the non-LevelDB state.
  let done = '';
  for (let k = 1; k <= log.length + 1; k++) {
    const call = log[k - 1];
    if (k >= run.firstCut) {
      const options: number[] = [];
      for (let i = lastSync; i <= (call?.kind === 'write' ? k : lastWrite); i++) {
        if (i === lastSync || log[i - 1]?.kind === 'write') options.push(i);
      }
      const flags: Array<[boolean, boolean]> = call === undefined || call.kind === 'write' ? [[false, false]] : [[false, false], [true, true]];
      for (const L of options) {
        for (const [tornHeader, landed] of flags) {
          // An untouched in-flight call leaves the same state as a cut just before it.
          const sig = `${L}|${done}|${tornHeader ? k : ''}`;
          if (seen.has(sig)) continue;
          seen.add(sig);
          cuts.push({ during: k, lastWrite: L, tornHeader, landed });
        }
      }
    }
    if (call === undefined) break;
    if (call.kind === 'write') {
      lastWrite = k;
      if (call.sync) lastSync = k;
    } else done += `${k},`;
  }
  return cuts.sort((a, b) => a.lastWrite - b.lastWrite || a.during - b.during);
}

/** Opens an engine on a surviving state the way Store.open does (unlock, repair the header, open). */
export async function reopen(state: SurvivingState, recoveryCode: string): Promise<{ engine: Engine; backend: PowerLossBackend }> {
  const backend = await PowerLossBackend.fromState(state);
  try {
    const { keyring, repaired } = await Keyring.unlock(await backend.readHeader(), { recoveryCode });
    if (repaired) await backend.writeHeader(keyring.header());
    return { engine: await Engine.open(backend, keyring, TUNING), backend };
  } catch (error) {
    await backend.close();
    throw error;
  }
}

const intent = (ops: ReadonlyArray<readonly [string, string | null]>): string => JSON.stringify(ops);

const show = (bytes: Uint8Array | undefined): string => (bytes === undefined ? 'absent' : JSON.stringify(dec.decode(bytes).slice(0, 24)));

/** Differences between the engine's contents in `view` (scan and point reads) and `expected`. */
export function compareContents(engine: Engine, expected: ReadonlyMap<string, Uint8Array>, view: View = engine.view()): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [k, v] of engine.scan(view, ALL)) {
    const mk = mapKey(k);
    seen.add(mk);
    const want = expected.get(mk);
    if (want === undefined || Buffer.compare(want, v) !== 0) problems.push(`scan: ${show(k.subarray(1))} is ${show(v)}, expected ${show(want)}`);
  }
  for (const [mk, want] of expected) {
    if (!seen.has(mk)) problems.push(`scan: ${show(Buffer.from(mk, 'latin1').subarray(1))} missing, expected ${show(want)}`);
    const got = engine.get(view, Buffer.from(mk, 'latin1'));
    if (got === undefined || Buffer.compare(got, want) !== 0) problems.push(`get: ${show(Buffer.from(mk, 'latin1').subarray(1))} is ${show(got)}, expected ${show(want)}`);
  }
  let sum = 0;
  let accounts = 0;
  for (let i = 0; i < ACCOUNTS; i++) {
    const balance = engine.get(view, userKey(`a/${i}`));
    if (balance === undefined) continue;
    accounts++;
    sum += Number(dec.decode(balance));
  }
  if (accounts > 0 && (accounts !== ACCOUNTS || sum !== ACCOUNTS * START_BALANCE)) problems.push(`accounts: ${accounts} holding ${sum}, expected ${ACCOUNTS} holding ${ACCOUNTS * START_BALANCE}`);
  return problems.slice(0, 5);
}

/** Applies commits to a model map (latin1 engine key -> value). */
export function applyCommit(model: Map<string, Uint8Array>, commit: CommitRecord): void {
  for (const op of commit.ops) {
    if (op.value === null) model.delete(mapKey(op.key));
    else model.set(mapKey(op.key), op.value);
  }
}

/** Counters of a cut sweep. */
export interface SweepResult {
  cutPoints: number;
  states: number;
  recoveryCuts: number;
  requiredSync: number;
  violations: string[];
}

/**
 * Reopens and checks each cut (in `lastWrite` order, so state and model
 * are built incrementally). Every `recoverEvery`-th cut also takes a second
 * cut during its own recovery (open, one sync put, close) and checks again.
 */
export async function sweep(run: PowerLossRun, cuts: readonly Cut[], recoverEvery: number, rng: Rng): Promise<SweepResult> {
  const result: SweepResult = { cutPoints: run.log.length + 2 - run.firstCut, states: 0, recoveryCuts: 0, requiredSync: 0, violations: [] };
  const model = new Map<string, Uint8Array>();
  let applied = 0;
  let previous = EMPTY_STATE;
  let replayed = 0;
  const ordered = [...cuts].sort((a, b) => a.lastWrite - b.lastWrite);
  for (const [n, cut] of ordered.entries()) {
    const where = `seed ${run.seed} cut during call ${cut.during} keeping writes <= ${cut.lastWrite}${cut.tornHeader ? ' (torn header)' : ''}${cut.landed ? ' (landed)' : ''}`;
    const state = survivorsOf(run.log, cut, { ...EMPTY_STATE, entries: previous.entries }, replayed);
    previous = state;
    replayed = cut.lastWrite;
    while (applied < run.commits.length && (run.commits[applied] as CommitRecord).writeCall <= cut.lastWrite) applyCommit(model, run.commits[applied++] as CommitRecord);
    // Harness sanity: every sync commit acknowledged before the cut is in the expected state.
    for (const c of run.commits) {
      if (c.sync && c.writeCall < cut.during && c.writeCall > 0) {
        result.requiredSync++;
        if (c.writeCall > cut.lastWrite) result.violations.push(`${where}: harness dropped sync commit ${c.seq}`);
      }
    }
    result.states++;
    const problems = await checkState(state, run.recoveryCode, model, run.commits);
    for (const p of problems) result.violations.push(`${where}: ${p}`);
    if (problems.length > 0 || recoverEvery <= 0 || n % recoverEvery !== 0) continue;
    // A second power cut, during the recovery of the first.
    const recovery = await recoverAndLog(state, run.recoveryCode);
    if (typeof recovery === 'string') {
      result.violations.push(`${where}: recovery: ${recovery}`);
      continue;
    }
    const log = recovery.log;
    const during = rng.range(1, log.length + 1);
    const lastWrite = pickLastWrite(log, during, rng);
    const state2 = survivorsOf(log, { during, lastWrite, tornHeader: rng.chance(0.5), landed: rng.chance(0.5) }, state);
    const expected = new Map(model);
    if (recovery.markerCall > 0 && recovery.markerCall <= lastWrite) expected.set(mapKey(MARKER_KEY), MARKER_VALUE);
    result.recoveryCuts++;
    for (const p of await checkState(state2, run.recoveryCode, expected, run.commits)) result.violations.push(`${where}, then during recovery call ${during} keeping writes <= ${lastWrite}: ${p}`);
  }
  return result;
}

const MARKER_KEY = userKey('recovered');
const MARKER_VALUE = enc.encode('yes');

/** A random choice among the writes a cut during `during` may keep: from the last completed sync write to the call itself. */
function pickLastWrite(log: readonly LoggedCall[], during: number, rng: Rng): number {
  let lastSync = 0;
  const writes: number[] = [];
  for (let i = 1; i <= Math.min(during, log.length); i++) {
    const call = log[i - 1] as LoggedCall;
    if (call.kind !== 'write') continue;
    if (call.sync && i < during) lastSync = i;
    writes.push(i);
  }
  return rng.pick([lastSync, ...writes.filter((i) => i > lastSync)]);
}

/** Recovers `state` (open, one sync put, close) on a logging backend; returns its log. */
async function recoverAndLog(state: SurvivingState, recoveryCode: string): Promise<{ log: readonly LoggedCall[]; markerCall: number } | string> {
  let opened;
  try {
    opened = await reopen(state, recoveryCode);
  } catch (error) {
    return `open failed: ${String(error)}`;
  }
  const { engine, backend } = opened;
  const before = backend.log.length;
  await engine.commit([{ key: MARKER_KEY, value: MARKER_VALUE }], true);
  let markerCall = 0;
  backend.log.forEach((call, i) => {
    if (i >= before && markerCall === 0 && call.kind === 'write' && call.ops.some((o) => o.type === 'put' && o.key[0] === 0x57)) markerCall = i + 1;
  });
  await engine.close({ flushAbove: 1 << 20 });
  await backend.close();
  return { log: backend.log, markerCall };
}

/** Reopens `state` and checks it against `expected` (and each named snapshot against `commits` up to its sequence); returns the problems found. */
async function checkState(state: SurvivingState, recoveryCode: string, expected: ReadonlyMap<string, Uint8Array>, commits: readonly CommitRecord[]): Promise<string[]> {
  let opened;
  try {
    opened = await reopen(state, recoveryCode);
  } catch (error) {
    return [`open failed: ${String(error)}`];
  }
  const { engine, backend } = opened;
  try {
    const problems = compareContents(engine, expected);
    for (const [name, { meta, view }] of engine.named) {
      const at = new Map<string, Uint8Array>();
      for (const c of commits) if (c.seq <= meta.seq) applyCommit(at, c);
      for (const p of compareContents(engine, at, view)) problems.push(`named snapshot ${name} at ${meta.seq}: ${p}`);
    }
    const report = await engine.exclusive(() => verifyStore(engine, backend, {}));
    if (!report.ok) problems.push(`verify: ${JSON.stringify(report.problems.slice(0, 3).map((p) => `${p.where} ${p.id}: ${p.detail}`))}`);
    // The recovered store takes new durable writes.
    await engine.commit([{ key: userKey('after'), value: enc.encode('ok') }], true);
    if (dec.decode(engine.get(engine.view(), userKey('after'))) !== 'ok') problems.push('a write after recovery is not readable');
    return problems;
  } catch (error) {
    return [`after open: ${String(error)}`];
  } finally {
    await engine.close({ flushAbove: 1 << 20 }).catch(() => undefined);
    await backend.close();
  }
}
