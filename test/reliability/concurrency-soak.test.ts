/**
 * Concurrency soak (issue 7): for a few seconds, in one process, writers,
 * transfer transactions, point readers, scanners (forward and reverse) and
 * snapshot readers all run at once on one store (memory, then disk with a
 * reopen), with tiny memtables and blocks so flushes and merges run under
 * them. Everything is checked against a model while it runs:
 *
 *   - writers own their keys; every value names its writer, key and a
 *     per-key counter, so a read is right only if it returns the value of a
 *     write issued no earlier than the last one acknowledged when the read
 *     began, and no later than the last one issued when it ended;
 *   - a writer's batch puts one tag on several keys: a scan (one view) that
 *     sees the tag on one key sees that write or a newer one on the others;
 *   - transfers move amounts between shared accounts (conflicts, retries):
 *     every scan and snapshot of the accounts adds up to the total, and a
 *     snapshot read twice, with commits in between, reads the same;
 *   - at the end the store equals the model exactly (after reopen on disk),
 *     with one log entry per acknowledged transfer.
 * The run length is a budget, not an assertion (SOAK_MS, default 2500 per
 * store); the test asserts only what the model says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, TransactionConflictError } from '../../src/index.ts';
import { TINY } from '../helpers/stores.ts';
import { countFrom, createStore, tempDir, Rng, seedFrom } from '../helpers/store-fixtures.ts';

const SOAK_MS = countFrom('SOAK_MS', 2500);
const SEED = seedFrom('SOAK_SEED');
console.log(`concurrency-soak: SOAK_SEED=${SEED} SOAK_MS=${SOAK_MS}`);
const WRITERS = 4;
const KEYS_PER_WRITER = 12;
const ACCOUNTS = 8;
const START = 1000;
const dec = new TextDecoder();
const str = (b: Uint8Array | undefined): string | null => (b === undefined ? null : dec.decode(b));
/** Memory reads and writes settle in microtasks: every actor yields a macrotask turn per step so all get theirs. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One key's writes: counter -> value (null: delete); counter 0 is "never written". */
class History {
  readonly writes: Array<string | null> = [null];
  acked = 0;
  get issued(): number {
    return this.writes.length - 1;
  }
  /** True if `got` is what some write in [from, to] left. */
  explains(got: string | null, from: number, to: number): boolean {
    for (let c = from; c <= to; c++) if (this.writes[c] === got) return true;
    return false;
  }
}

interface Counters { writes: number; transfers: number; attempts: number; conflicts: number; reads: number; scans: number; snapshots: number }

async function soak(store: Store, rng: Rng, deadline: number): Promise<{ histories: Map<string, History>; transfers: number; counters: Counters; violations: string[] }> {
  const violations: string[] = [];
  const counters: Counters = { writes: 0, transfers: 0, attempts: 0, conflicts: 0, reads: 0, scans: 0, snapshots: 0 };
  const histories = new Map<string, History>();
  const keyOf = (w: number, k: number): string => `w${w}/${String(k).padStart(2, '0')}`;
  for (let w = 0; w < WRITERS; w++) for (let k = 0; k < KEYS_PER_WRITER; k++) histories.set(keyOf(w, k), new History());
  /** Batch tag -> [key, counter] of each of its writes. */
  const batches = new Map<string, Array<[string, number]>>();
  const running = (): boolean => Date.now() < deadline && violations.length === 0;
  let transfers = 0;

  await store.batch(Array.from({ length: ACCOUNTS }, (_, i) => ({ type: 'put' as const, key: `acct/${i}`, value: String(START) })));

  const writer = async (w: number): Promise<void> => {
    let n = 0;
    while (running()) {
      const roll = rng.next();
      if (roll < 0.25) {
        const tag = `b${w}.${++n}`;
        const keys = [...new Set([0, 1, 2].map(() => keyOf(w, rng.int(KEYS_PER_WRITER))))];
        const parts: Array<[string, number]> = keys.map((key) => {
          const h = histories.get(key) as History;
          h.writes.push(`${key}:${h.writes.length}:${tag}`);
          return [key, h.issued];
        });
        batches.set(tag, parts);
        await store.batch(parts.map(([key, c]) => ({ type: 'put' as const, key, value: (histories.get(key) as History).writes[c] as string })), { durability: rng.chance(0.2) ? 'sync' : 'relaxed' });
        for (const [key, c] of parts) (histories.get(key) as History).acked = c;
      } else {
        const key = keyOf(w, rng.int(KEYS_PER_WRITER));
        const h = histories.get(key) as History;
        const del = roll < 0.35;
        h.writes.push(del ? null : `${key}:${h.writes.length}:` + 'x'.repeat(rng.chance(0.1) ? 100 : rng.int(20)));
        const c = h.issued;
        if (del) await store.delete(key);
        else await store.put(key, h.writes[c] as string);
        h.acked = c;
      }
      counters.writes++;
      await tick();
    }
  };

  const transferer = async (t: number): Promise<void> => {
    let n = 0;
    while (running()) {
      const from = rng.int(ACCOUNTS);
      const to = (from + 1 + rng.int(ACCOUNTS - 1)) % ACCOUNTS;
      const id = `${t}.${++n}`;
      try {
        await store.transaction(async (tx) => {
          counters.attempts++;
          const a = Number(str(await tx.get(`acct/${from}`)));
          // Other transfers commit meanwhile: conflicts and retries.
          if (rng.chance(0.5)) await tick();
          const b = Number(str(await tx.get(`acct/${to}`)));
          const amount = Math.min(a, 1 + (n % 50));
          tx.put(`acct/${from}`, String(a - amount));
          tx.put(`acct/${to}`, String(b + amount));
          tx.put(`txlog/${id}`, String(amount));
        }, { maxAttempts: 50 });
        transfers++;
        counters.transfers++;
      } catch (error) {
        if (!(error instanceof TransactionConflictError)) throw error;
        counters.conflicts++;
      }
      await tick();
    }
  };

  const pointReader = async (): Promise<void> => {
    while (running()) {
      const key = keyOf(rng.int(WRITERS), rng.int(KEYS_PER_WRITER));
      const h = histories.get(key) as History;
      const from = h.acked;
      const got = str(await store.get(key));
      if (!h.explains(got, from, h.issued)) violations.push(`get ${key}: ${got} (acked ${from}, issued ${h.issued})`);
      counters.reads++;
      await tick();
    }
  };

  const scanner = async (): Promise<void> => {
    while (running()) {
      const reverse = rng.chance(0.5);
      const w = rng.int(WRITERS);
      const acked = new Map([...histories].map(([k, h]) => [k, h.acked]));
      const seen = new Map<string, string>();
      let previous: string | undefined;
      for await (const [k, v] of store.scan({ prefix: `w${w}/`, reverse })) {
        const key = dec.decode(k);
        if (previous !== undefined && (reverse ? key >= previous : key <= previous)) violations.push(`scan order: ${key} after ${previous}`);
        previous = key;
        seen.set(key, dec.decode(v));
      }
      for (let k = 0; k < KEYS_PER_WRITER; k++) {
        const key = keyOf(w, k);
        const h = histories.get(key) as History;
        const got = seen.get(key) ?? null;
        if (!h.explains(got, acked.get(key) as number, h.issued)) violations.push(`scan ${key}: ${got} (acked ${acked.get(key)}, issued ${h.issued})`);
        // A batch seen on one key is seen (or overwritten) on all of its keys.
        const tag = got?.split(':')[2];
        for (const [other, c] of (tag?.startsWith('b') === true ? batches.get(tag) : undefined) ?? []) {
          const value = seen.get(other) ?? null;
          const newer = value === null ? (histories.get(other) as History).writes.slice(c + 1).includes(null) : Number(value.split(':')[1]) >= c;
          if (!newer) violations.push(`scan saw batch ${tag} on ${key} but not on ${other} (${value})`);
        }
      }
      let sum = 0;
      for await (const [, v] of store.scan({ prefix: 'acct/', reverse })) sum += Number(dec.decode(v));
      if (sum !== ACCOUNTS * START) violations.push(`scan of accounts adds up to ${sum}`);
      counters.scans++;
      await tick();
    }
  };

  const snapshotReader = async (): Promise<void> => {
    while (running()) {
      const snapshot = store.snapshot();
      try {
        const first = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => snapshot.get(`acct/${i}`)));
        const sum = first.reduce((s, v) => s + Number(str(v)), 0);
        if (sum !== ACCOUNTS * START) violations.push(`snapshot of accounts adds up to ${sum}`);
        for (let i = 0; i < 20; i++) await tick();
        const again = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => snapshot.get(`acct/${i}`)));
        if (again.some((v, i) => str(v) !== str(first[i]))) violations.push('a snapshot changed while commits went on');
      } finally {
        await snapshot.close();
      }
      counters.snapshots++;
    }
  };

  const actors = [
    ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
    transferer(0), transferer(1), transferer(2),
    pointReader(), pointReader(), scanner(), scanner(), snapshotReader(),
  ];
  const outcomes = await Promise.allSettled(actors);
  for (const outcome of outcomes) if (outcome.status === 'rejected') violations.push(`an actor failed: ${String(outcome.reason)}`);
  return { histories, transfers, counters, violations };
}

/** The store must hold exactly the acknowledged state. */
async function checkFinal(store: Store, histories: Map<string, History>, transfers: number): Promise<string[]> {
  const problems: string[] = [];
  for (const [key, h] of histories) {
    const got = str(await store.get(key));
    if (got !== h.writes[h.acked]) problems.push(`${key}: ${got}, acknowledged ${h.writes[h.acked]}`);
  }
  let sum = 0;
  for await (const [, v] of store.scan({ prefix: 'acct/' })) sum += Number(dec.decode(v));
  if (sum !== ACCOUNTS * START) problems.push(`accounts add up to ${sum}`);
  let logs = 0;
  for await (const _ of store.scan({ prefix: 'txlog/' })) logs++;
  if (logs !== transfers) problems.push(`${logs} transfer log entries for ${transfers} acknowledged transfers`);
  return problems;
}

test('memory store: concurrent writers, transactions, reads, scans and snapshots agree with the model', { timeout: 120_000 }, async (t) => {
  const store = await Store.memory(TINY);
  const { histories, transfers, counters, violations } = await soak(store, new Rng(SEED), Date.now() + SOAK_MS);
  t.diagnostic(`seed ${SEED}: ${JSON.stringify(counters)}; ${store.stats().flushes} flushes, ${store.stats().merges} merges`);
  assert.deepEqual(violations.slice(0, 10), []);
  assert.deepEqual(await checkFinal(store, histories, transfers), []);
  assert.ok(counters.writes > 0 && counters.transfers > 0 && counters.reads > 0 && counters.scans > 0 && counters.snapshots > 0, 'every actor ran');
  await store.close();
});

test('disk store: the same soak, then a reopen holds exactly the acknowledged state', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t, 'synapsed-soak-');
  const { store, recoveryCode } = await createStore(dir, TINY);
  const { histories, transfers, counters, violations } = await soak(store, new Rng(SEED + 1), Date.now() + SOAK_MS);
  t.diagnostic(`seed ${SEED + 1}: ${JSON.stringify(counters)}; ${store.stats().flushes} flushes, ${store.stats().merges} merges`);
  assert.deepEqual(violations.slice(0, 10), []);
  assert.deepEqual(await checkFinal(store, histories, transfers), []);
  await store.close();
  const reopened = await Store.open(dir, { recoveryCode, ...TINY });
  assert.deepEqual(await checkFinal(reopened, histories, transfers), []);
  assert.equal((await reopened.verify()).ok, true);
  await reopened.close();
});
