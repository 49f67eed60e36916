/**
 * The SIGKILL crash loop (anchors doc §2 test 2, RocksDB's blackbox
 * crash test): a child (child-writer.ts) commits in a loop and is killed
 * with SIGKILL at a random moment; the parent reopens the store, checks
 * the crash contract (crash-model.ts) and starts the next child on the
 * same directory, so state, runs, merges and WAL accumulate across kills.
 *
 * Most kills land 20-300 ms after the child's store is open (mid-commit,
 * mid-flush, mid-merge); about one in six lands while the child is still
 * opening it (WAL replay, orphan clean-up, LevelDB recovery).
 *
 * Used by test/crash/sigkill.test.ts (bounded) and fuzz/crash.ts (long).
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Store } from '../../src/index.ts';
import { Rng, createStore, listFiles } from '../helpers/store-fixtures.ts';
import { CANARY, CrashModel, type OpTuple } from './crash-model.ts';

const CHILD = fileURLToPath(new URL('./child-writer.ts', import.meta.url));

export interface CrashLoopOptions {
  /** An empty directory: the store is created here. */
  readonly dir: string;
  readonly kills: number;
  readonly seed: number;
  /** Small, so flushes and merges happen between kills. Default 4096 (the minimum). */
  readonly memtableBytes?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Stop starting new rounds after this time (ms since start); the kills done so far count. */
  readonly budgetMs?: number;
}

export interface CrashLoopResult {
  readonly kills: number;
  readonly killedWhileOpening: number;
  readonly intents: number;
  readonly acked: number;
  readonly appliedUnacked: number;
  readonly lostUnacked: number;
  readonly flushes: number;
  readonly merges: number;
  readonly elapsedMs: number;
  /** Contract violations (empty when the engine kept its promises), each naming seed and round. */
  readonly violations: string[];
  /** On a violation: the failing round's commits and what was observed, for a post-mortem. */
  readonly failure?: { readonly round: number; readonly pending: ReturnType<CrashModel['pending']>; readonly observed?: Record<string, string> };
}

type ChildMessage =
  | { t: 'opening' } | { t: 'ready' } | { t: 'intent'; id: number; ops: OpTuple[] }
  | { t: 'ack'; id: number; flushes: number; merges: number } | { t: 'error'; name: string; code: string; message: string; stack: string };

interface Round {
  readonly killedWhileOpening: boolean;
  readonly flushes: number;
  readonly merges: number;
  readonly childError?: string;
}

/** Starts one child, kills it at a random moment, and feeds its intents and acks to `model`. */
async function runRound(options: CrashLoopOptions & { recoveryCode: string }, model: CrashModel, rng: Rng, round: number): Promise<Round> {
  const earlyKill = rng.chance(1 / 6);
  const delay = earlyKill ? rng.int(40) : rng.range(20, 300);
  const childSeed = (options.seed + Math.imul(round + 1, 0x9e3779b1)) >>> 0;
  const child = fork(CHILD, [options.dir, options.recoveryCode, String(childSeed), String(model.maxId + 1), String(options.memtableBytes ?? 4096)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let flushes = 0;
  let merges = 0;
  let killedWhileOpening = false;
  let ready = false;
  let childError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (!ready) killedWhileOpening = true;
    child.kill('SIGKILL');
  };
  const watchdog = setTimeout(() => {
    childError ??= 'child neither reached its kill point nor exited within 60 s';
    child.kill('SIGKILL');
  }, 60_000);
  child.on('message', (raw) => {
    const message = raw as ChildMessage;
    switch (message.t) {
      case 'opening':
        if (earlyKill) timer = setTimeout(kill, delay);
        break;
      case 'ready':
        ready = true;
        if (!earlyKill) timer = setTimeout(kill, delay);
        break;
      case 'intent':
        model.onIntent(message.id, message.ops);
        break;
      case 'ack':
        model.onAck(message.id);
        flushes = message.flushes;
        merges = message.merges;
        break;
      case 'error':
        childError = `child failed: ${message.name} ${message.code}: ${message.message}\n${message.stack}`;
        break;
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const disconnected = new Promise<void>((resolve) => (child.connected ? child.once('disconnect', () => resolve()) : resolve()));
  await Promise.all([exited, disconnected]);
  // Messages read before the channel closed are emitted by now; one more turn for stragglers.
  await new Promise((resolve) => setImmediate(resolve));
  clearTimeout(timer);
  clearTimeout(watchdog);
  if (childError === undefined && child.signalCode !== 'SIGKILL') childError = `child exited on its own (code ${child.exitCode})`;
  return { killedWhileOpening, flushes, merges, ...(childError === undefined ? {} : { childError }) };
}

/** Reads the whole store back after a crash. */
async function observe(dir: string, recoveryCode: string): Promise<Map<string, string>> {
  const store = await Store.open(dir, { recoveryCode });
  try {
    const observed = new Map<string, string>();
    for await (const [key, value] of store.scan()) observed.set(Buffer.from(key).toString(), Buffer.from(value).toString());
    return observed;
  } finally {
    await store.close();
  }
}

/** Runs the loop; returns counts and any violations (the caller asserts). */
export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopResult> {
  const started = performance.now();
  const log = options.log ?? ((): void => undefined);
  const rng = new Rng(options.seed);
  const { store, recoveryCode } = await createStore(options.dir, { memtableBytes: options.memtableBytes ?? 4096 });
  await store.close();
  const model = new CrashModel();
  const violations: string[] = [];
  let failure: CrashLoopResult['failure'];
  let kills = 0;
  let killedWhileOpening = 0;
  let flushes = 0;
  let merges = 0;
  for (let round = 0; round < options.kills; round++) {
    if (options.budgetMs !== undefined && performance.now() - started > options.budgetMs) {
      log(`time budget reached after ${kills} kills`);
      break;
    }
    const result = await runRound({ ...options, recoveryCode }, model, rng, round);
    const where = `seed ${options.seed} round ${round}`;
    if (result.childError !== undefined) {
      violations.push(`${where}: ${result.childError}`);
      failure = { round, pending: model.pending() };
      break;
    }
    kills++;
    if (result.killedWhileOpening) killedWhileOpening++;
    flushes += result.flushes;
    merges += result.merges;
    let observed: Map<string, string>;
    try {
      observed = await observe(options.dir, recoveryCode);
    } catch (error) {
      const e = error as { name?: unknown; code?: unknown };
      violations.push(`${where}: reopen after SIGKILL failed: ${String(e.name)} ${String(e.code)}: ${String(error)}`);
      failure = { round, pending: model.pending() };
      break;
    }
    const found = model.check(observed);
    if (found.length > 0) {
      violations.push(...found.slice(0, 20).map((v) => `${where}: ${v}`));
      failure = { round, pending: model.pending(), observed: Object.fromEntries(observed) };
      break;
    }
    model.settle(observed);
    if ((round + 1) % 10 === 0) log(`${round + 1} kills, ${model.totals.acked} acknowledged commits verified, ${observed.size} keys`);
  }
  for (const file of await listFiles(options.dir)) {
    if ((await readFile(file)).includes(CANARY)) violations.push(`plaintext canary found in ${file}`);
  }
  return {
    kills, killedWhileOpening, flushes, merges, violations, elapsedMs: performance.now() - started, ...(failure === undefined ? {} : { failure }),
    intents: model.totals.intents, acked: model.totals.acked, appliedUnacked: model.totals.appliedUnacked, lostUnacked: model.totals.lostUnacked,
  };
}
