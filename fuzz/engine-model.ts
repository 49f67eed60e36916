/**
 * Long-running engine model check (not part of `npm test`):
 *   RUNS=20000 COMMANDS=200 SEED=123 npx tsx fuzz/engine-model.ts
 * Alternates memory stores and disk stores with reopens. Prints the seed
 * first, so any failure replays with SEED=<seed> (fast-check also prints
 * the shrunk counterexample and its path: replay with FC_PATH=<path>).
 */
import { runModel } from '../test/property/engine-model.ts';
import { TINY, diskFactory, memoryFactory } from '../test/helpers/stores.ts';

const runs = Number(process.env.RUNS ?? 5000);
const commands = Number(process.env.COMMANDS ?? 120);
const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
console.log(`engine model fuzz: seed ${seed}, ${runs} runs of up to ${commands} commands`);
const started = performance.now();
await runModel(memoryFactory(TINY), false, runs, commands, seed);
console.log(`memory: ${runs} runs passed (${((performance.now() - started) / 1000).toFixed(1)} s)`);
const diskRuns = Math.max(1, Math.floor(runs / 20));
await runModel(diskFactory(TINY), true, diskRuns, commands, seed + 1);
console.log(`disk with reopens: ${diskRuns} runs passed (${((performance.now() - started) / 1000).toFixed(1)} s)`);
