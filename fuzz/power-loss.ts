/**
 * Long simulated power-loss run (not part of `npm test`): for each seed,
 * the 1,000-operation workload of test/reliability/power-loss.test.ts,
 * then EVERY distinct surviving state over every cut point reopened and
 * checked, and every RECOVER_EVERY-th one cut again during its recovery.
 *
 *   SEEDS=20 SEED=123 OPS=1000 node --import tsx fuzz/power-loss.ts
 *
 * Env: SEED (first seed; default random, printed), SEEDS (default 3), OPS
 * (default 1000), RECOVER_EVERY (default 3). Exits 1 on the first seed
 * with violations, printing them and the seed to replay.
 */
import { Rng, countFrom, seedFrom } from '../test/helpers/store-fixtures.ts';
import { allCuts, runWorkload, sweep } from '../test/reliability/power-loss-harness.ts';

const first = seedFrom('SEED');
const seeds = countFrom('SEEDS', 3);
const operations = countFrom('OPS', 1000);
const recoverEvery = countFrom('RECOVER_EVERY', 3);
console.log(`fuzz/power-loss: SEED=${first} SEEDS=${seeds} OPS=${operations} RECOVER_EVERY=${recoverEvery}`);
const totals = { cutPoints: 0, states: 0, recoveryCuts: 0, commits: 0 };
const started = performance.now();
for (let i = 0; i < seeds; i++) {
  const seed = (first + i) >>> 0;
  const run = await runWorkload(seed, operations);
  const cuts = allCuts(run);
  const result = await sweep(run, cuts, recoverEvery, new Rng(seed));
  totals.cutPoints += result.cutPoints;
  totals.states += result.states;
  totals.recoveryCuts += result.recoveryCuts;
  totals.commits += run.commits.length;
  console.log(`seed ${seed}: ${run.commits.length} commits, ${run.stats.flushes} flushes, ${run.stats.merges} merges; ` +
    `${result.cutPoints} cut points, ${result.states} states reopened, ${result.recoveryCuts} recoveries cut; ${result.violations.length} violations ` +
    `(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (result.violations.length > 0) {
    console.error(`violations (replay with SEED=${seed} SEEDS=1 OPS=${operations}):\n${result.violations.slice(0, 30).join('\n')}`);
    process.exit(1);
  }
}
console.log(JSON.stringify({ seeds, ...totals, seconds: Math.round((performance.now() - started) / 1000) }));
