/**
 * Quick run of the engine model (engine-model.ts): 1,000 random command
 * sequences on memory stores, and 60 on disk stores with reopens, all with
 * tiny sizes so flushes, merges, multi-block runs and large values occur.
 */
import { test } from 'node:test';
import { runModel } from './engine-model.ts';
import { TINY, diskFactory, memoryFactory } from '../helpers/stores.ts';

test('memory store agrees with a Map model over 1,000 random command sequences', { timeout: 600_000 }, async () => {
  await runModel(memoryFactory(TINY), false, 1000, 40);
});

test('disk store agrees with the model across reopens', { timeout: 600_000 }, async () => {
  await runModel(diskFactory(TINY), true, 60, 40);
});
