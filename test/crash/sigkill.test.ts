/**
 * Crash safety under SIGKILL (issue 4, "Nothing wrong, nothing lost"): a
 * child process commits in a loop (puts, deletes, 3-key batches, counter
 * transactions, concurrent puts; 'sync' or 'relaxed') and is killed at
 * random moments; after each kill the store must open, hold every
 * acknowledged commit, and show every batch and transaction whole
 * (test/crash/crash-loop.ts, crash-model.ts). One directory for all kills,
 * with the smallest memtable, so kills hit flushes and merges too.
 *
 * Env: CRASH_SEED (printed), CRASH_KILLS (default 100). The loop stops
 * starting rounds after 150 s (slow or loaded machines) but must reach 50
 * kills. fuzz/crash.ts runs the same loop for as long as you like.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countFrom, seedFrom, tempDir } from '../helpers/store-fixtures.ts';
import { runCrashLoop } from './crash-loop.ts';
import { CrashModel, batchKeys, counterKey, logKey, putKey, valueOf } from './crash-model.ts';

const SEED = seedFrom('CRASH_SEED');
const KILLS = countFrom('CRASH_KILLS', 100);
const MIN_KILLS = Math.min(50, KILLS);
const BUDGET_MS = 150_000;
console.log(`sigkill: CRASH_SEED=${SEED} CRASH_KILLS=${KILLS}`);

test(`after up to ${KILLS} SIGKILLs every acknowledged commit is there and no batch or transaction is torn`, { timeout: 400_000 }, async (t) => {
  const dir = await tempDir(t, 'synapsed-crash-');
  const result = await runCrashLoop({ dir, kills: KILLS, seed: SEED, budgetMs: BUDGET_MS, log: (line) => t.diagnostic(line) });
  t.diagnostic(`seed ${SEED}: ${result.kills} kills (${result.killedWhileOpening} while opening) in ${(result.elapsedMs / 1000).toFixed(1)} s; ` +
    `${result.intents} commits started, ${result.acked} acknowledged and verified; unacknowledged puts: ${result.appliedUnacked} visible, ${result.lostUnacked} not; ` +
    `child flushes ${result.flushes}, merges ${result.merges}`);
  if (result.violations.length > 0) {
    // Keep the evidence: the store as the failing round left it, and that round's commits.
    const kept = await mkdtemp(join(tmpdir(), `synapsed-crash-failure-${SEED}-`));
    await cp(dir, join(kept, 'store'), { recursive: true });
    await writeFile(join(kept, 'round.json'), JSON.stringify(result.failure, null, 1));
    t.diagnostic(`failing store and round kept in ${kept}`);
  }
  assert.deepEqual(result.violations, [], `CRASH_SEED=${SEED}`);
  assert.ok(result.kills >= MIN_KILLS, `at least ${MIN_KILLS} kills (${result.kills} within the time budget)`);
  assert.ok(result.acked > result.kills, 'the children committed between kills');
  assert.ok(result.flushes > 0 && result.merges > 0, 'kills happened with flushes and merges going on');
});

test('the crash checker flags lost acks, torn batches and transactions, and strangers (control)', () => {
  const fresh = (): CrashModel => {
    const model = new CrashModel();
    model.onIntent(1, [[putKey(0), valueOf(1, 'a')]]);
    model.onAck(1);
    model.onIntent(2, batchKeys(0).map((k) => [k, valueOf(2, 'b')]));
    model.onIntent(3, [[counterKey, valueOf(3, '1')], [logKey(1), valueOf(3, 'c')]]);
    return model;
  };
  const good = new Map([[putKey(0), valueOf(1, 'a')], ...batchKeys(0).map((k) => [k, valueOf(2, 'b')] as [string, string])]);
  assert.deepEqual(fresh().check(good), [], 'a state with the ack and an unacked batch applied whole is fine');
  assert.deepEqual(fresh().check(new Map([[putKey(0), valueOf(1, 'a')]])), [], 'unacked commits may be missing');
  const lost = fresh().check(new Map());
  assert.equal(lost.length, 1);
  assert.match(lost[0] as string, /acknowledged commit 1/);
  const torn = new Map(good);
  torn.delete(batchKeys(0)[2] as string);
  const tornFound = fresh().check(torn);
  assert.equal(tornFound.length, 1, 'a batch with one key missing');
  assert.match(tornFound[0] as string, /batch group 0 torn/);
  assert.equal(fresh().check(new Map([...good, [counterKey, valueOf(3, '1')]])).length, 1, 'a counter without its log entry');
  assert.equal(fresh().check(new Map([...good, ['q/1', 'x']])).length, 1, 'an unknown key');
});
