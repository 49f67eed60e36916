/**
 * Key-slot changes under SIGKILL (issue 10: "a kill at any instant leaves
 * either the old or the new set of slots working"). A child process adds and
 * removes raw-key slots in a loop (slot-child.ts, plan in slot-plan.ts) and
 * is killed at a random moment, usually in the middle of a header write.
 * After each kill the parent checks:
 *
 * - if a step was in flight, its own key is tried first: that open must
 *   succeed or fail with WrongPassphraseError (credential 'key'), and the
 *   outcome says which set is now in force (an added key that opens means
 *   the new set; a removed key that still opens means the old set, restored
 *   from the older header copy);
 * - the store then opens with the anchor key and lists exactly that set
 *   (the set before the step, or after it, never anything else);
 * - every key of the set opens the store and reads its data, and every key
 *   of the other set that is not in it is refused.
 *
 * Env: SLOT_CRASH_SEED (printed), SLOT_CRASH_KILLS (default 16).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Store, WrongPassphraseError } from '../../src/index.ts';
import { Rng, countFrom, seedFrom, tempDir } from '../helpers/store-fixtures.ts';
import { ANCHOR, slotKey, slotPlan } from './slot-plan.ts';

const SEED = seedFrom('SLOT_CRASH_SEED');
const KILLS = countFrom('SLOT_CRASH_KILLS', 16);
const BUDGET_MS = 120_000;
const CHILD = fileURLToPath(new URL('./slot-child.ts', import.meta.url));
console.log(`slot-crash: SLOT_CRASH_SEED=${SEED} SLOT_CRASH_KILLS=${KILLS}`);

type Message = { t: 'opening' } | { t: 'ready' } | { t: 'intent'; step: number } | { t: 'ack'; step: number } | { t: 'error'; message: string; stack: string };

interface Round {
  readonly lastIntent: number | undefined;
  readonly lastAck: number | undefined;
  readonly error: string | undefined;
}

async function runChild(dir: string, first: number, rng: Rng): Promise<Round> {
  const early = rng.chance(1 / 6);
  const delay = early ? rng.int(40) : rng.range(5, 150);
  const child = fork(CHILD, [dir, String(SEED), String(first)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let lastIntent: number | undefined;
  let lastAck: number | undefined;
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const watchdog = setTimeout(() => {
    error ??= 'child did not reach its kill point within 60 s';
    child.kill('SIGKILL');
  }, 60_000);
  child.on('message', (raw) => {
    const m = raw as Message;
    if (m.t === 'opening' && early) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    else if (m.t === 'ready' && !early) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    else if (m.t === 'intent') lastIntent = m.step;
    else if (m.t === 'ack') lastAck = m.step;
    else if (m.t === 'error') error = `child failed: ${m.message}\n${m.stack}`;
  });
  await Promise.all([
    new Promise<void>((resolve) => child.once('exit', () => resolve())),
    new Promise<void>((resolve) => (child.connected ? child.once('disconnect', () => resolve()) : resolve())),
  ]);
  await new Promise((resolve) => setImmediate(resolve));
  clearTimeout(timer);
  clearTimeout(watchdog);
  if (error === undefined && child.signalCode !== 'SIGKILL') error = `child exited on its own (code ${child.exitCode})`;
  return { lastIntent, lastAck, error };
}

/** Opens with the key of `label`: true if it opens (and reads the sentinel), false if refused as a wrong key. */
async function opensWith(dir: string, label: string): Promise<boolean> {
  let store: Store;
  try {
    store = await Store.open(dir, { key: slotKey(SEED, label) });
  } catch (error) {
    if (error instanceof WrongPassphraseError && error.credential === 'key') return false;
    throw error;
  }
  try {
    assert.equal(Buffer.from((await store.get('sentinel')) ?? []).toString(), 'still here', `data readable through slot ${label}`);
  } finally {
    await store.close();
  }
  return true;
}

async function keyLabels(dir: string): Promise<string[]> {
  const store = await Store.open(dir, { key: slotKey(SEED, ANCHOR) });
  try {
    return store.keySlots.list().filter((s) => s.type === 'key').map((s) => s.label).sort();
  } finally {
    await store.close();
  }
}

test(`after up to ${KILLS} SIGKILLs during slot changes, the old or the new set of slots works, nothing else`, { timeout: 300_000 }, async (t) => {
  const dir = await tempDir(t, 'synapsed-slot-crash-');
  const { ops, states } = slotPlan(SEED, 50_000);
  const { store } = await Store.create(dir, { key: slotKey(SEED, 'bootstrap') });
  await store.keySlots.add({ key: slotKey(SEED, ANCHOR), label: ANCHOR });
  for (const slot of store.keySlots.list()) if (slot.label !== ANCHOR) await store.keySlots.remove(slot.id);
  await store.put('sentinel', 'still here');
  assert.deepEqual(store.keySlots.list().map((s) => s.label), [ANCHOR]);
  await store.close();

  const rng = new Rng(SEED);
  const started = performance.now();
  let done = 0;
  let kills = 0;
  let midStep = 0;
  const outcomes = { old: 0, new: 0 };
  for (let round = 0; round < KILLS && performance.now() - started < BUDGET_MS; round++) {
    const where = `SLOT_CRASH_SEED=${SEED} round ${round}`;
    const result = await runChild(dir, done, rng);
    assert.equal(result.error, undefined, `${where}: ${result.error}`);
    kills++;
    const lastAck = result.lastAck ?? done - 1;
    const inFlight = result.lastIntent !== undefined && result.lastIntent > lastAck ? result.lastIntent : undefined;
    const before = states[lastAck + 1] as string[];
    const after = inFlight === undefined ? undefined : (states[inFlight + 1] as string[]);
    let expected = before;
    if (inFlight !== undefined) {
      midStep++;
      const op = ops[inFlight] as { kind: 'add' | 'remove'; label: string };
      const opened = await opensWith(dir, op.label);
      const isNew = op.kind === 'add' ? opened : !opened;
      expected = isNew ? (after as string[]) : before;
      outcomes[isNew ? 'new' : 'old']++;
    }
    const found = await keyLabels(dir);
    assert.deepEqual(found, expected, `${where}: slots listed (before step: ${before.join(',')}; after: ${after?.join(',') ?? '-'})`);
    for (const label of found) assert.equal(await opensWith(dir, label), true, `${where}: slot ${label} of the set in force opens`);
    for (const label of [...before, ...(after ?? [])]) {
      if (!found.includes(label)) assert.equal(await opensWith(dir, label), false, `${where}: slot ${label}, not in the set in force, is refused`);
    }
    done = expected === before ? lastAck + 1 : (inFlight as number) + 1;
  }
  t.diagnostic(`seed ${SEED}: ${kills} kills, ${midStep} in the middle of a slot change (${outcomes.old} left the old set, ${outcomes.new} the new), ${done} steps done`);
  assert.ok(kills >= Math.min(8, KILLS), 'enough kills within the time budget');
  assert.ok(midStep >= 1, 'at least one kill landed in the middle of a slot change');
  assert.ok(done > 0, 'the children changed slots between kills');
});
