/**
 * Long-running SIGKILL crash loop (not part of `npm test`): the loop of
 * test/crash/sigkill.test.ts for as many kills as you like.
 *
 *   KILLS=2000 SEED=123 node --import tsx fuzz/crash.ts
 *
 * Env: KILLS (default 500), SEED (default random; printed), MEMTABLE_BYTES
 * (default 4096), KEEP=1 keeps the store directory even on success.
 * On failure: exits 1, prints the violations (with seed and round) and
 * keeps the directory with failing-round.json (that round's commits).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countFrom, seedFrom } from '../test/helpers/store-fixtures.ts';
import { runCrashLoop } from '../test/crash/crash-loop.ts';

const seed = seedFrom('SEED');
const kills = countFrom('KILLS', 500);
const memtableBytes = countFrom('MEMTABLE_BYTES', 4096);
const dir = await mkdtemp(join(tmpdir(), 'synapsed-fuzz-crash-'));
console.log(`fuzz/crash: SEED=${seed} KILLS=${kills} MEMTABLE_BYTES=${memtableBytes} dir=${dir}`);
const result = await runCrashLoop({ dir, kills, seed, memtableBytes, log: (line) => console.log(line) });
console.log(JSON.stringify({ ...result, violations: result.violations.length, failure: undefined }, null, 2));
if (process.env.KEEP !== '1' && result.violations.length === 0) await rm(dir, { recursive: true, force: true });
if (result.violations.length > 0) {
  // Kept for a post-mortem: the store and the failing round's commits.
  await writeFile(join(dir, 'failing-round.json'), JSON.stringify(result.failure, null, 1));
  console.error(`violations (SEED=${seed}), store kept in ${dir}:\n${result.violations.join('\n')}`);
  process.exit(1);
}
