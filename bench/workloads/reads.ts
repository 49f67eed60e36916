/**
 * Read workloads on the store of n records loaded once per target
 * (fixture.ts): random gets one at a time and 64 in flight, getMany of 64
 * keys, and scans of 1,000 consecutive keys from a random start.
 * Runs check every result inline (present, 100 bytes, scan keys strictly
 * ascending, 1,000 of them) and fold it into a checksum; `verify`
 * recomputes the checksum from the data set and reads a sample in full.
 */
import { Prng, VALUE_BYTES, sameBytes } from './dataset.ts';
import { check, drive, fold, word, type Context, type Workload } from './workload.ts';
import type { KvStore } from '../targets/target.ts';

interface ReadState {
  readonly ctx: Context;
  readonly name: string;
  readonly store: KvStore;
  /** Record indices (gets) or key-order ranks (scans), from a seeded PRNG. */
  readonly picks: Uint32Array;
  done: number;
  sum: number;
}

const SCAN_LENGTH = 1000;

async function loadedState(ctx: Context, name: string, count: number, bound: number): Promise<ReadState> {
  const { store } = await ctx.loaded();
  const rng = new Prng(ctx.data.seed, 9001 + name.length, ctx.run);
  const picks = new Uint32Array(count);
  for (let i = 0; i < count; i++) picks[i] = rng.below(bound);
  return { ctx, name, store, picks, done: 0, sum: 0 };
}

function expectValue(state: ReadState, index: number, value: Uint8Array | undefined): void {
  check(value !== undefined && value.length === VALUE_BYTES, state.name, `record ${index} missing or the wrong size`);
  state.sum = fold(state.sum, index, value);
}

/** Recomputes the checksum of the gets done, then compares a sample byte for byte. */
async function verifyGets(state: ReadState): Promise<void> {
  const { ctx, name, store, picks, done } = state;
  check(done > 0, name, 'no read completed');
  let sum = 0;
  for (let i = 0; i < done; i++) sum = fold(sum, picks[i] as number, ctx.data.value(picks[i] as number));
  check(sum === state.sum, name, 'a get returned another record\'s value');
  for (let s = 0; s < Math.min(done, ctx.config.verifySample); s++) {
    const index = picks[s] as number;
    check(sameBytes(await store.get(ctx.data.key(index)), ctx.data.value(index)), name, `record ${index} read wrong`);
  }
}

function gets(name: string, inFlight: number): Workload<ReadState> {
  return {
    name,
    unit: 'gets',
    defaults: { durability: 'relaxed', inFlight, reads: true },
    setup: (ctx) => loadedState(ctx, name, ctx.config.reads, ctx.data.n),
    async run(state) {
      const { ctx, store, picks } = state;
      state.done = await drive(picks.length, inFlight, ctx.config.budgetMs, async (i) => {
        const index = picks[i] as number;
        expectValue(state, index, await store.get(ctx.data.key(index)));
      });
      return state.done;
    },
    verify: verifyGets,
    teardown: () => Promise.resolve({}),
  };
}

export const getOne = gets('get x1', 1);
export const getConcurrent = gets('get x64', 64);

const MANY = 64;

export const getMany: Workload<ReadState> = {
  name: 'getMany 64',
  unit: 'gets',
  defaults: { durability: 'relaxed', inFlight: 1, reads: true },
  setup: (ctx) => loadedState(ctx, 'getMany 64', ctx.config.reads - (ctx.config.reads % MANY), ctx.data.n),
  async run(state) {
    const { ctx, store, picks } = state;
    const many = store.getMany;
    if (many === undefined) return 0;
    const calls = await drive(picks.length / MANY, 1, ctx.config.budgetMs, async (c) => {
      const indices = picks.subarray(c * MANY, (c + 1) * MANY);
      const values = await many.call(store, Array.from(indices, (index) => ctx.data.key(index)));
      indices.forEach((index, j) => expectValue(state, index, values[j]));
    });
    state.done = calls * MANY;
    return state.done;
  },
  verify: verifyGets,
  teardown: () => Promise.resolve({}),
};

export const scan1000: Workload<ReadState> = {
  name: 'scan 1000',
  unit: 'scans',
  defaults: { durability: 'relaxed', inFlight: 1, reads: true },
  setup: (ctx) => loadedState(ctx, 'scan 1000', ctx.config.scans, Math.max(1, ctx.data.n - SCAN_LENGTH + 1)),
  async run(state) {
    const { ctx, store, picks, name } = state;
    state.done = await drive(picks.length, 1, ctx.config.budgetMs, async (i) => {
      const rank = picks[i] as number;
      let previous = -1;
      let position = 0;
      const count = await store.scan(ctx.data.key(ctx.data.sortedIndex(rank)), SCAN_LENGTH, (key, value) => {
        // Key prefixes are unique (dataset.ts), so strictly ascending prefixes mean key order.
        const prefix = word(key);
        check(prefix > previous && value.length === VALUE_BYTES, name, `entry ${position} of the scan at rank ${rank} out of order or wrong size`);
        previous = prefix;
        state.sum = fold(state.sum, rank + position++, value);
      });
      check(count === Math.min(SCAN_LENGTH, ctx.data.n - rank), name, `scan at rank ${rank} returned ${count} entries`);
    });
    return state.done;
  },
  async verify(state) {
    const { ctx, name, store, picks, done } = state;
    check(done > 0, name, 'no scan completed');
    let sum = 0;
    for (let i = 0; i < done; i++) {
      const rank = picks[i] as number;
      const end = Math.min(rank + SCAN_LENGTH, ctx.data.n);
      for (let r = rank; r < end; r++) sum = fold(sum, r, ctx.data.value(ctx.data.sortedIndex(r)));
    }
    check(sum === state.sum, name, 'a scan returned the wrong entries');
    const rank = picks[0] as number;
    const expected: number[] = [];
    for (let r = rank; r < Math.min(rank + SCAN_LENGTH, ctx.data.n); r++) expected.push(ctx.data.sortedIndex(r));
    let position = 0;
    await store.scan(ctx.data.key(expected[0] as number), SCAN_LENGTH, (key, value) => {
      const index = expected[position++] as number;
      check(sameBytes(key, ctx.data.key(index)) && sameBytes(value, ctx.data.value(index)), name, `scan entry ${position - 1} differs`);
    });
    check(position === expected.length, name, `the sample scan returned ${position} entries`);
  },
  teardown: () => Promise.resolve({}),
};
