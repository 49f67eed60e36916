/**
 * A short run of every fuzz target (fuzz/targets.ts): each parser of stored
 * bytes (header, sealed records, WAL records, run indexes and blocks, the
 * manifest, a whole engine open, documents, time-series buckets) gets
 * damaged and random inputs and must return a value or throw a typed
 * SynapsedError, without hanging. `npm run fuzz` runs them long.
 *
 * Env: FUZZ_SEED (printed; replays a failure), FUZZ_RUNS (default 400 per
 * target; the slower whole-open target gets a quarter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countFrom, seedFrom } from '../helpers/store-fixtures.ts';
import { fuzzTarget } from '../../fuzz/runner.ts';
import { FUZZ_TARGETS } from '../../fuzz/targets.ts';
import { SynapsedError } from '../../src/errors.ts';

const SEED = seedFrom('FUZZ_SEED');
const RUNS = countFrom('FUZZ_RUNS', 400);
console.log(`fuzz-short: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);

for (const target of FUZZ_TARGETS) {
  test(`fuzz ${target.name}: damaged and random inputs give a value or a typed error, never anything else`, { timeout: 180_000 }, async (t) => {
    const runs = target.name === 'engine-open' ? Math.ceil(RUNS / 4) : RUNS;
    const result = await fuzzTarget(target, { runs, seed: SEED });
    t.diagnostic(`${target.name}: ${result.executions} executions (seed ${SEED}), ${result.returned} values, typed errors ${JSON.stringify(result.typed)}`);
    assert.equal(result.failure, undefined, result.failure);
    assert.ok(Object.values(result.typed).reduce((a, b) => a + b, 0) > runs / 10, 'most damaged inputs are refused');
  });
}

test('the fuzz runner fails on an untyped exception and on a hang (control)', async () => {
  const input = (await (FUZZ_TARGETS[0] as (typeof FUZZ_TARGETS)[number]).prepare()).input;
  const untyped = await fuzzTarget({ name: 'untyped', prepare: async () => ({ input, execute: () => { throw new TypeError('boom'); } }) }, { runs: 5, seed: 1 });
  assert.match(untyped.failure ?? '', /boom/);
  const typed = await fuzzTarget({ name: 'typed', prepare: async () => ({ input, execute: () => { throw new SynapsedError('SYN_INTEGRITY', 'x'); } }) }, { runs: 5, seed: 1 });
  assert.equal(typed.failure, undefined);
  const hang = await fuzzTarget({ name: 'hang', prepare: async () => ({ input, execute: () => new Promise(() => {}) }) }, { runs: 1, seed: 1, hangMs: 50 });
  assert.match(hang.failure ?? '', /no answer/);
});
