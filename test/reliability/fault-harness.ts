/**
 * Fault injection (issue 7): one deterministic workload (puts, deletes,
 * batches, transfer transactions, flushes forced by a tiny memtable, a
 * key rotation, reads and scans) on a FaultyBackend
 * (test/helpers/faulty-backend.ts) whose plan fails the N-th call of a
 * class. Shared by test/reliability/faults.test.ts and fuzz/faults.ts.
 *
 * For one plan, checked:
 *   - every failing operation rejects with exactly an injected error (a
 *     StorageFullError or IOError whose `cause` is the errno error);
 *   - no operation hangs (each is bounded by OP_TIMEOUT_MS);
 *   - reads and scans in the process return exactly the acknowledged
 *     state, also while writes fail (a full disk); with read faults they
 *     return that state or an injected error;
 *   - after `heal()`, a synced write and a flush succeed at once;
 *   - after close and reopen, every acknowledged commit is there; a key
 *     touched by a failed commit shows either its acknowledged value or
 *     the failed commit's (a failed fsync may or may not have landed), and
 *     the account balances still add up (transactions are never torn);
 *   - verify() reports nothing damaged.
 * Unhandled rejections are watched by the test file (process-wide).
 */
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import type { Backend } from '../../src/engine/backend.ts';
import { Keyspace } from '../../src/engine/keyspace.ts';
import { NAMESPACE } from '../../src/engine/input.ts';
import { rotateKey } from '../../src/engine/rotate.ts';
import { verifyStore } from '../../src/engine/verify.ts';
import { Keyring } from '../../src/keyring/keyring.ts';
import { IOError, StorageFullError } from '../../src/errors.ts';
import { FaultyBackend, type FaultPlan } from '../helpers/faulty-backend.ts';
import { Rng } from '../helpers/store-fixtures.ts';

export const FAULT_TUNING: EngineOptions = { memtableBytes: 1500, blockBytes: 256, largeValueBytes: 96, cacheBytes: 0 };
export const OP_TIMEOUT_MS = 15_000;
const OPS = 60;
const KEYS = 24;
const ACCOUNTS = 4;
const dec = new TextDecoder();

/** Opens the storage below for a run, and again (same data) for the reopen. */
export interface BackendHandle {
  readonly backend: Backend;
  reopen(): Promise<Backend>;
  dispose(): Promise<void>;
}

/** What a run saw. */
export interface FaultRunResult {
  /** Errors injected (0: N was past the workload's last call of the class). */
  injected: number;
  failedOps: number;
  okOps: number;
  /** Calls of each class in this run (a clean run tells how many N to try). */
  calls: Record<string, number>;
  violations: string[];
}

/** Unlocks with the recovery code (cheap: no Argon2id per run). */
export interface Credentials {
  readonly header: Uint8Array;
  readonly recoveryCode: string;
}

class Timeout extends Error {}

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`${what} did not settle within ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Runs the workload (keys and values from `seed`) once under `plan` (undefined: no fault) on a fresh store from `open`. */
export async function faultRun(plan: FaultPlan | undefined, open: () => Promise<BackendHandle>, credentials: Credentials, seed = 7): Promise<FaultRunResult> {
  const handle = await open();
  const violations: string[] = [];
  const result: FaultRunResult = { injected: 0, failedOps: 0, okOps: 0, calls: {}, violations };
  await handle.backend.writeHeader(credentials.header);
  const { keyring } = await Keyring.unlock([credentials.header], { recoveryCode: credentials.recoveryCode });
  const faulty = new FaultyBackend(handle.backend);
  let engine = await Engine.open(faulty, keyring, FAULT_TUNING);
  let ks = new Keyspace(engine, NAMESPACE.USER, 'relaxed', () => {});
  /** Acknowledged state; values of failed commits per key (they may have landed). */
  const acked = new Map<string, string>();
  const maybe = new Map<string, Set<string | null>>();
  await ks.batch(Array.from({ length: ACCOUNTS }, (_, i) => ({ type: 'put' as const, key: `a/${i}`, value: '100' })), { durability: 'sync' });
  for (let i = 0; i < ACCOUNTS; i++) acked.set(`a/${i}`, '100');
  if (plan !== undefined) faulty.arm(plan);

  const isInjected = (error: unknown): boolean =>
    (error instanceof StorageFullError || error instanceof IOError) && faulty.injected.includes(error) && (error.cause as { code?: string } | undefined)?.code === plan?.code;
  /** Runs a write; returns true if acknowledged. */
  const write = async (what: string, effects: Array<[string, string | null]>, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await bounded(run(), what);
      for (const [k, v] of effects) (v === null ? acked.delete(k) : acked.set(k, v));
      result.okOps++;
      return true;
    } catch (error) {
      result.failedOps++;
      if (!isInjected(error)) violations.push(`${what}: rejected with ${describe(error)}, not an injected fault`);
      for (const [k, v] of effects) {
        let set = maybe.get(k);
        if (set === undefined) maybe.set(k, (set = new Set()));
        set.add(v);
      }
      return false;
    }
  };
  /** Reads must give the acknowledged state, or an injected read error. */
  const checkReads = async (what: string): Promise<void> => {
    for (let i = 0; i < KEYS; i += 5) {
      const key = `k/${i}`;
      try {
        const got = await bounded(ks.get(key), `${what} get`);
        const want = acked.get(key);
        if ((got === undefined ? undefined : dec.decode(got)) !== want) violations.push(`${what}: get ${key} is ${got === undefined ? 'absent' : dec.decode(got).slice(0, 12)}, acknowledged ${want?.slice(0, 12) ?? 'absent'}`);
      } catch (error) {
        if (!isInjected(error) || plan?.on !== 'read') violations.push(`${what}: get ${key} rejected with ${describe(error)}`);
      }
    }
    try {
      const seen = new Map<string, string>();
      await bounded((async () => {
        for await (const [k, v] of ks.scan({ prefix: 'k/' })) seen.set(dec.decode(k), dec.decode(v));
      })(), `${what} scan`);
      const want = [...acked].filter(([k]) => k.startsWith('k/')).sort();
      if (JSON.stringify([...seen].sort()) !== JSON.stringify(want)) violations.push(`${what}: scan differs from the acknowledged state`);
    } catch (error) {
      if (!isInjected(error) || plan?.on !== 'read') violations.push(`${what}: scan rejected with ${describe(error)}`);
    }
  };

  const rng = new Rng(seed);
  const value = (i: number): string => `v${i}.` + 'x'.repeat(rng.chance(0.15) ? 120 : rng.int(30));
  const key = (): string => `k/${rng.int(KEYS)}`;
  for (let i = 0; i < OPS; i++) {
    const what = `op ${i}`;
    const durability = i % 3 === 0 ? 'sync' : 'relaxed';
    switch (i % 6) {
      case 0:
      case 1: {
        const k = key();
        const v = value(i);
        await write(`${what} put`, [[k, v]], () => ks.put(k, v, { durability }));
        break;
      }
      case 2: {
        const ops = [0, 1, 2].map((j) => ({ type: 'put' as const, key: key(), value: value(i * 10 + j) }));
        const effects = new Map(ops.map((o) => [o.key, o.value] as [string, string]));
        await write(`${what} batch`, [...effects], () => ks.batch(ops, { durability }));
        break;
      }
      case 3: {
        const k = key();
        await write(`${what} delete`, [[k, null]], () => ks.delete(k, { durability }));
        break;
      }
      case 4: {
        const from = rng.int(ACCOUNTS);
        const to = (from + 1) % ACCOUNTS;
        let effects: Array<[string, string]> = [];
        const run = (): Promise<unknown> => ks.transaction(async (tx) => {
          const a = Number(dec.decode(await tx.get(`a/${from}`)));
          const b = Number(dec.decode(await tx.get(`a/${to}`)));
          const amount = Math.min(a, 7);
          effects = [[`a/${from}`, String(a - amount)], [`a/${to}`, String(b + amount)]];
          for (const [k, v] of effects) tx.put(k, v);
        }, { durability });
        try {
          await bounded(run(), `${what} transaction`);
          for (const [k, v] of effects) acked.set(k, v);
          result.okOps++;
        } catch (error) {
          result.failedOps++;
          if (!isInjected(error)) violations.push(`${what} transaction: rejected with ${describe(error)}`);
        }
        break;
      }
      default:
        await checkReads(what);
        if (i % 12 === 5) await write(`${what} flush`, [], () => engine.flush());
    }
    if (i === OPS / 2) await write(`${what} rotateKey`, [], () => rotateKey(engine, faulty, {}));
  }

  result.injected = faulty.injected.length;
  result.calls = { ...faulty.calls };
  faulty.heal();
  await checkReads('after heal');
  const resumed = await write('after heal: synced put', [['k/healed', 'yes']], () => ks.put('k/healed', 'yes', { durability: 'sync' }));
  const flushed = await write('after heal: flush', [], () => engine.flush());
  if (!resumed || !flushed) violations.push('writes did not resume once the faults stopped');
  try {
    await bounded(engine.close({ flushAbove: 1 << 20 }), 'close');
  } catch (error) {
    violations.push(`close after heal rejected with ${describe(error)}`);
  }

  // Reopen: unlock from the header on disk (a failed header write may or may not have landed).
  try {
    const backend = await handle.reopen();
    const { keyring: reopened, repaired } = await Keyring.unlock(await backend.readHeader(), { recoveryCode: credentials.recoveryCode });
    if (repaired) await backend.writeHeader(reopened.header());
    engine = await Engine.open(backend, reopened, FAULT_TUNING);
    ks = new Keyspace(engine, NAMESPACE.USER, 'relaxed', () => {});
    let sum = 0;
    for (let i = 0; i < ACCOUNTS; i++) sum += Number(dec.decode(await ks.get(`a/${i}`)));
    if (sum !== ACCOUNTS * 100) violations.push(`after reopen: balances add up to ${sum}, not ${ACCOUNTS * 100}`);
    const found = new Map<string, string>();
    for await (const [k, v] of ks.scan({ prefix: 'k/' })) found.set(dec.decode(k), dec.decode(v));
    for (const k of new Set([...found.keys(), ...[...acked.keys()].filter((x) => x.startsWith('k/'))])) {
      const got = found.get(k) ?? null;
      const want = acked.get(k) ?? null;
      if (got !== want && maybe.get(k)?.has(got) !== true) violations.push(`after reopen: ${k} is ${got?.slice(0, 12) ?? 'absent'}, acknowledged ${want?.slice(0, 12) ?? 'absent'}`);
    }
    const report = await engine.exclusive(() => verifyStore(engine, backend, {}));
    if (!report.ok) violations.push(`after reopen: verify found ${JSON.stringify(report.problems.slice(0, 2))}`);
    await engine.close({ flushAbove: 1 << 20 });
  } catch (error) {
    violations.push(`reopen failed: ${describe(error)}`);
  }
  await handle.dispose();
  return result;
}

function describe(error: unknown): string {
  if (error instanceof Timeout) return `a hang (${error.message})`;
  if (error instanceof Error) return `${error.name}${'code' in error ? ` ${String(error.code)}` : ''}: ${error.message}`;
  return String(error);
}

/** Every plan class x code x mode the tests sweep. */
export const PLANS: ReadonlyArray<Omit<FaultPlan, 'at'>> = [
  { on: 'write', code: 'ENOSPC', persistent: false },
  { on: 'write', code: 'ENOSPC', persistent: true },
  { on: 'write', code: 'EIO', persistent: false },
  { on: 'sync', code: 'ENOSPC', persistent: false },
  { on: 'sync', code: 'EIO', persistent: false },
  { on: 'sync', code: 'EIO', persistent: true },
  { on: 'disk', code: 'ENOSPC', persistent: true },
  { on: 'disk', code: 'EIO', persistent: false },
  { on: 'read', code: 'EIO', persistent: false },
  { on: 'read', code: 'EIO', persistent: true },
];
