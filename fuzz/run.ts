/**
 * `npm run fuzz`: every parser target of fuzz/targets.ts, long. Each target
 * runs in rounds of ROUND executions, each round with a fresh seed printed
 * before it starts, until its time budget is spent; a failure prints
 * fast-check's shrunk counterexample with the seed and path to replay:
 *
 *   npm run fuzz                                  # 60 s per target
 *   FUZZ_SECONDS=600 npm run fuzz                 # longer
 *   TARGET=run-index SEED=123 ROUND=5000 npm run fuzz
 *   TARGET=header SEED=123 FC_PATH=0:1:2 npm run fuzz   # replay one case
 *
 * Exits 1 on the first failure. The simulated power-loss, fault-injection,
 * crash and model runs have their own long modes: fuzz/power-loss.ts,
 * fuzz/faults.ts, fuzz/crash.ts, fuzz/engine-model.ts.
 */
import { countFrom, seedFrom } from '../test/helpers/store-fixtures.ts';
import { fuzzTarget } from './runner.ts';
import { FUZZ_TARGETS } from './targets.ts';

const seconds = countFrom('FUZZ_SECONDS', 60);
const round = countFrom('ROUND', 2000);
const only = process.env.TARGET;
const path = process.env.FC_PATH;
let seed = seedFrom('SEED');
const targets = FUZZ_TARGETS.filter((t) => only === undefined || only === '' || t.name === only);
if (targets.length === 0) throw new Error(`no target named ${only}; targets: ${FUZZ_TARGETS.map((t) => t.name).join(', ')}`);
console.log(`fuzz: ${targets.length} targets, ${seconds} s each, rounds of ${round}, first SEED=${seed}`);
let total = 0;
for (const target of targets) {
  const deadline = performance.now() + seconds * 1000;
  const typed: Record<string, number> = {};
  let executions = 0;
  let returned = 0;
  do {
    console.log(`  ${target.name}: round SEED=${seed}`);
    const result = await fuzzTarget(target, { runs: round, seed, path });
    executions += result.executions;
    returned += result.returned;
    for (const [code, n] of Object.entries(result.typed)) typed[code] = (typed[code] ?? 0) + n;
    if (result.failure !== undefined) {
      console.error(`FAILED ${target.name} (replay: TARGET=${target.name} SEED=${seed} ROUND=${round} npm run fuzz)\n${result.failure}`);
      process.exit(1);
    }
    seed = (seed + 1) >>> 0;
  } while (path === undefined && performance.now() < deadline);
  total += executions;
  console.log(`${target.name}: ${executions} executions, ${returned} returned a value, typed errors ${JSON.stringify(typed)}`);
}
console.log(`fuzz: ${total} executions, 0 failures`);
