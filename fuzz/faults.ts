/**
 * Long fault-injection run (not part of `npm test`): every plan of
 * test/reliability/fault-harness.ts (write / sync / disk / read, ENOSPC /
 * EIO, once / persistent) at EVERY N until the workload completes, on the
 * memory backend and on disk, for several workload seeds.
 *
 *   SEEDS=5 SEED=1 DISK=1 node --import tsx fuzz/faults.ts
 *
 * Env: SEED (first workload seed; default random, printed), SEEDS
 * (default 2), DISK (default 1: also on classic-level; 0: memory only).
 * Exits 1 on the first violation, printing the plan, N and seed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDiskBackend, openMemoryBackend } from '../src/engine/backend.ts';
import { Keyring } from '../src/keyring/keyring.ts';
import { KDF_FLOOR } from '../src/keyring/kdf-params.ts';
import { countFrom, seedFrom } from '../test/helpers/store-fixtures.ts';
import { PLANS, faultRun, type BackendHandle } from '../test/reliability/fault-harness.ts';

const first = seedFrom('SEED');
const seeds = countFrom('SEEDS', 2);
const withDisk = process.env.DISK !== '0';
console.log(`fuzz/faults: SEED=${first} SEEDS=${seeds} DISK=${withDisk ? 1 : 0}`);
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});
const { keyring, recoveryCode } = await Keyring.create({ passphrase: 'faults', kdf: KDF_FLOOR });
const credentials = { header: keyring.header(), recoveryCode: recoveryCode.reveal() };
const root = await mkdtemp(join(tmpdir(), 'synapsed-fuzz-faults-'));
let stores = 0;
const memory = async (): Promise<BackendHandle> => {
  const backend = await openMemoryBackend();
  return { backend, reopen: async () => backend, dispose: () => backend.close() };
};
const disk = async (): Promise<BackendHandle> => {
  const dir = join(root, String(stores++));
  let backend = await openDiskBackend(dir);
  return {
    backend,
    reopen: async () => {
      await backend.close();
      return (backend = await openDiskBackend(dir));
    },
    dispose: async () => {
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

const totals = { runs: 0, injected: 0, failedOps: 0 };
const started = performance.now();
for (let s = 0; s < seeds; s++) {
  const seed = (first + s) >>> 0;
  for (const [name, open] of withDisk ? ([['memory', memory], ['disk', disk]] as const) : ([['memory', memory]] as const)) {
    for (const plan of PLANS) {
      let runs = 0;
      for (let at = 1; ; at++) {
        const result = await faultRun({ ...plan, at }, open, credentials, seed);
        runs++;
        totals.runs++;
        totals.injected += result.injected;
        totals.failedOps += result.failedOps;
        if (result.violations.length > 0 || unhandled.length > 0) {
          console.error(`violations: seed ${seed}, ${name}, ${JSON.stringify(plan)}, N=${at}:\n${[...result.violations, ...unhandled.map((u) => `unhandled rejection: ${String(u)}`)].join('\n')}`);
          await rm(root, { recursive: true, force: true });
          process.exit(1);
        }
        if (result.injected === 0) break;
      }
      console.log(`seed ${seed} ${name} ${plan.on} ${plan.code} ${plan.persistent ? 'persistent' : 'once'}: N = 1..${runs} clean (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
}
await rm(root, { recursive: true, force: true });
console.log(JSON.stringify({ seeds, ...totals, seconds: Math.round((performance.now() - started) / 1000) }));
