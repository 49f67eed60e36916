/**
 * Write workloads, each on a fresh store per run, keys in random order
 * (dataset.ts): single puts awaited one at a time (relaxed, and sync),
 * 64 concurrent sync writers (group commit), and atomic batches of 1,000.
 * The sync workloads write the first `syncOps` / `concurrentSyncOps`
 * records (one fsync each costs far more than the rest), the others all n.
 * After each run, `verifySample` written records are read back and compared
 * byte for byte; the store is closed outside the timing.
 */
import { KEY_BYTES, Prng, VALUE_BYTES, sameBytes } from './dataset.ts';
import type { Entry, KvStore } from '../targets/target.ts';
import { check, drive, writeAmp, type Context, type Extras, type Workload } from './workload.ts';

interface WriteState {
  readonly ctx: Context;
  readonly name: string;
  readonly store: KvStore;
  readonly planned: number;
  done: number;
}

const BATCH = 1000;

async function fresh(ctx: Context, name: string, planned: number, durability: 'relaxed' | 'sync'): Promise<WriteState> {
  const store = await ctx.target.create(ctx.freshDir(name), { durability });
  return { ctx, name, store, planned: Math.min(planned, ctx.data.n), done: 0 };
}

async function readBack(state: WriteState): Promise<void> {
  const { ctx, name, store, done } = state;
  check(done > 0, name, 'no record was written');
  const rng = new Prng(ctx.data.seed, 7001, ctx.run);
  const sample = Math.min(done, ctx.config.verifySample);
  for (let s = 0; s < sample; s++) {
    const index = s === 0 ? done - 1 : rng.below(done);
    const got = await store.get(ctx.data.key(index));
    check(sameBytes(got, ctx.data.value(index)), name, `record ${index} read back wrong`);
  }
}

async function close(state: WriteState): Promise<Extras> {
  await state.store.close();
  const amp = writeAmp(state.store.writeStats?.(), state.done * (KEY_BYTES + VALUE_BYTES));
  return amp === undefined ? {} : { writeAmp: amp };
}

function singlePuts(name: string, durability: 'relaxed' | 'sync', inFlight: number, size: (ctx: Context) => number): Workload<WriteState> {
  return {
    name,
    unit: 'puts',
    defaults: { durability, inFlight, reads: false },
    setup: (ctx) => fresh(ctx, name, size(ctx), durability),
    async run(state) {
      const { ctx, store } = state;
      const budget = durability === 'sync' ? ctx.config.syncBudgetMs : ctx.config.budgetMs;
      state.done = await drive(state.planned, inFlight, budget, (i) => store.put(ctx.data.key(i), ctx.data.value(i)));
      return state.done;
    },
    verify: readBack,
    teardown: close,
  };
}

export const putRelaxed = singlePuts('put x1 relaxed', 'relaxed', 1, (ctx) => ctx.data.n);
export const putSync = singlePuts('put x1 sync', 'sync', 1, (ctx) => ctx.config.syncOps);
export const putSyncConcurrent = singlePuts('put x64 sync', 'sync', 64, (ctx) => ctx.config.concurrentSyncOps);

export const batch1000: Workload<WriteState> = {
  name: 'batch 1000 relaxed',
  unit: 'records',
  defaults: { durability: 'relaxed', inFlight: 1, reads: false },
  setup: (ctx) => fresh(ctx, 'batch', ctx.data.n, 'relaxed'),
  async run(state) {
    const { ctx, store } = state;
    const batches = Math.ceil(state.planned / BATCH);
    const done = await drive(batches, 1, ctx.config.budgetMs, async (b) => {
      const entries: Entry[] = [];
      for (let i = b * BATCH; i < Math.min((b + 1) * BATCH, state.planned); i++) entries.push([ctx.data.key(i), ctx.data.value(i)]);
      await store.batch(entries);
    });
    state.done = Math.min(done * BATCH, state.planned);
    return state.done;
  },
  verify: readBack,
  teardown: close,
};
