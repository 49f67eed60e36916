/**
 * Key rotation: a new data key (epoch) for new writes, then every stored
 * record re-sealed under it, then the old data keys destroyed.
 *
 * 1. Add an epoch to the keyring and write the header: from here on every
 *    new record (WAL, blocks, manifest) is sealed under the new key.
 * 2. Flush the memtable, so the WAL holds only new-epoch records.
 * 3. Re-seal, run by run, every block, large value and index still under
 *    an old epoch (read, open, seal; same key, same AAD location). Each run
 *    is one exclusive job, so flushes and merges interleave between runs,
 *    and commits and reads never stop.
 * 4. Re-seal any WAL record still under an old epoch (commits in flight
 *    during step 1), rewrite the manifest, then retire the old epochs in
 *    the header and wipe their keys.
 *
 * Crash- and abort-safe at every point: each record names its own epoch,
 * so a mix always reads, and the old keys stay in the header until step 4
 * completes. A later call picks up where an interrupted one stopped.
 */
import { KIND, type RecordKind } from '../format.ts';
import type { Random } from '../crypto/random.ts';
import { throwIfAborted } from '../util/validate.ts';
import { readU64, safeU64Bytes, u32Bytes } from '../util/bytes.ts';
import type { Backend, BackendOp } from './backend.ts';
import type { Engine } from './engine.ts';
import { blockKey, indexKey, largeValueKey, walRange } from './keys.ts';
import { RecordCipher } from './record.ts';
import { pairLocation, type Run } from './run.ts';

/** Progress of a rotation: records re-sealed so far out of the total. */
export interface RotateProgress {
  readonly done: number;
  readonly total: number;
}

export interface RotateOptions {
  readonly onProgress?: (progress: RotateProgress) => void;
  readonly signal?: AbortSignal;
}

const BATCH_BYTES = 4 * 1024 * 1024;

export async function rotateKey(engine: Engine, backend: Backend, options: RotateOptions, random?: Random): Promise<void> {
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  await engine.exclusive(async () => {
    const next = engine.cipher.keyring.addEpoch(random === undefined ? {} : { random });
    await backend.writeHeader(next.header());
    engine.cipher.setKeyring(next);
  });
  await engine.flush();
  const runs = engine.storedRuns();
  const total = runs.reduce((sum, r) => sum + r.blockCount + r.largeCount + 1, 0);
  let done = 0;
  onProgress?.({ done, total });
  for (const run of runs) {
    throwIfAborted(signal);
    await engine.exclusive(async () => {
      if (!engine.hasStoredRun(run.id)) return;
      await resealRun(engine, backend, run, signal, (n) => {
        done += n;
        onProgress?.({ done, total });
      });
    });
  }
  throwIfAborted(signal);
  await engine.drainCommits();
  await engine.exclusive(async () => {
    await resealWal(engine, backend);
    await engine.writeManifest((m) => m);
    // Runs left by failed flushes or merges are not in storedRuns and were not re-sealed:
    // delete them before their key goes, or the next open cannot classify them.
    await engine.deleteOrphanRuns();
    const current = engine.cipher.keyring.currentEpoch;
    const before = engine.cipher.keyring;
    let next = before;
    for (const epoch of before.epochs) if (epoch !== current) next = next.retireEpoch(epoch);
    if (next === before) return;
    await backend.writeHeader(next.header());
    engine.cipher.setKeyring(next);
    for (const epoch of before.epochs) if (epoch !== current) before.dataKey(epoch).wipe();
  });
  onProgress?.({ done: total, total });
}

async function resealRun(engine: Engine, backend: Backend, run: Run, signal: AbortSignal | undefined, progress: (n: number) => void): Promise<void> {
  const cipher = engine.cipher;
  const current = cipher.keyring.currentEpoch;
  let ops: BackendOp[] = [];
  let bytes = 0;
  let counted = 0;
  const reseal = async (key: Uint8Array, kind: RecordKind, location: Uint8Array, where: string): Promise<void> => {
    const sealed = await backend.get(key);
    counted++;
    if (sealed === undefined || RecordCipher.epochOf(sealed) === current) return;
    const plain = cipher.open(kind, location, sealed, 'page', where);
    const value = cipher.seal(kind, location, plain);
    ops.push({ type: 'put', key, value });
    bytes += value.length;
    if (bytes >= BATCH_BYTES) {
      await backend.write(ops, false);
      ops = [];
      bytes = 0;
      progress(counted);
      counted = 0;
      throwIfAborted(signal);
    }
  };
  for (let b = 0; b < run.blockCount; b++) await reseal(blockKey(run.id, b), KIND.PAGE, pairLocation(run.id, b), `run ${run.id} block ${b}`);
  for (let n = 0; n < run.largeCount; n++) await reseal(largeValueKey(run.id, n), KIND.LARGE_VALUE, pairLocation(run.id, n), `run ${run.id} large value ${n}`);
  await reseal(indexKey(run.id), KIND.RUN_INDEX, u32Bytes(run.id), `run ${run.id} index`);
  await backend.write(ops, true);
  progress(counted);
}

async function resealWal(engine: Engine, backend: Backend): Promise<void> {
  const cipher = engine.cipher;
  const current = cipher.keyring.currentEpoch;
  const ops: BackendOp[] = [];
  for await (const [key, sealed] of backend.entries(walRange(0, Number.MAX_SAFE_INTEGER))) {
    if (RecordCipher.epochOf(sealed) === current) continue;
    const seq = Number(readU64(key, 1));
    const location = safeU64Bytes(seq);
    ops.push({ type: 'put', key, value: cipher.seal(KIND.WAL, location, cipher.open(KIND.WAL, location, sealed, 'wal', seq)) });
  }
  if (ops.length > 0) await backend.write(ops, true);
}
