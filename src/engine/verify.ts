/**
 * `store.verify()`: reads and authenticates every stored record and
 * reports what is damaged, where, and which keys it affects, without
 * changing anything.
 *
 * Checked: each header copy (checksum, MAC, store id), the manifest, every
 * WAL record after the last flush (and the contiguity of their sequences),
 * every run's index, blocks (bypassing the cache: the bytes on disk, not
 * what an earlier read left in memory) and large values, and that every
 * stored run index belongs to the manifest. Long stores: progress per
 * record group, `AbortSignal`, and the event loop is given back regularly.
 */
import { SynapsedError } from '../errors.ts';
import { KIND } from '../format.ts';
import { breathe } from '../util/breathe.ts';
import { readU32, readU64, safeU64Bytes } from '../util/bytes.ts';
import { throwIfAborted } from '../util/validate.ts';
import type { Backend } from './backend.ts';
import type { Engine } from './engine.ts';
import { MANIFEST_KEY, PREFIX, walRange } from './keys.ts';
import { openManifest } from './manifest.ts';
import { Run, pairLocation } from './run.ts';
import { decodeWalOps } from './wal.ts';
import { largeValueKey } from './keys.ts';

/** One damaged record. */
export interface VerifyProblem {
  /** 'header' | 'manifest' | 'wal' | 'run-index' | 'block' | 'large-value' | 'orphan' */
  readonly where: string;
  readonly id: string;
  /** The error code (SYN_*) or 'SYN_INTEGRITY' for a failed check. */
  readonly code: string;
  readonly detail: string;
  /** Engine keys (namespace byte first) of the affected range, for blocks. */
  readonly firstKey?: Uint8Array;
  readonly lastKey?: Uint8Array;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: { headerCopies: number; walRecords: number; runs: number; blocks: number; largeValues: number };
  readonly problems: readonly VerifyProblem[];
}

export interface VerifyOptions {
  readonly onProgress?: (progress: { done: number; total: number }) => void;
  readonly signal?: AbortSignal;
}

function describe(error: unknown): { code: string; detail: string } {
  if (error instanceof SynapsedError) return { code: error.code, detail: error.message };
  throw error;
}

export async function verifyStore(engine: Engine, backend: Backend, options: VerifyOptions): Promise<VerifyReport> {
  const { signal, onProgress } = options;
  const problems: VerifyProblem[] = [];
  const checked = { headerCopies: 0, walRecords: 0, runs: 0, blocks: 0, largeValues: 0 };
  const keyring = engine.cipher.keyring;

  const copies = await backend.readHeader();
  copies.forEach((bytes, i) => {
    checked.headerCopies++;
    const problem = bytes === undefined ? (backend.persistent ? 'missing' : undefined) : keyring.checkHeaderCopy(bytes, `copy ${i}`);
    if (problem !== undefined) problems.push({ where: 'header', id: `copy ${i}`, code: 'SYN_INTEGRITY', detail: problem });
  });

  let manifestSeq = engine.internals.manifest.seq;
  const sealedManifest = await backend.get(MANIFEST_KEY);
  if (sealedManifest === undefined) problems.push({ where: 'manifest', id: 'manifest', code: 'SYN_INTEGRITY', detail: 'missing' });
  else {
    try {
      manifestSeq = openManifest(engine.cipher, sealedManifest).seq;
    } catch (error) {
      problems.push({ where: 'manifest', id: 'manifest', ...describe(error) });
    }
  }

  const runs = engine.storedRuns();
  const total = runs.reduce((sum, r) => sum + r.blockCount + r.largeCount + 1, 0);
  let done = 0;
  onProgress?.({ done, total });

  let expected = manifestSeq + 1;
  for await (const [key, sealed] of backend.entries(walRange(expected, Number.MAX_SAFE_INTEGER))) {
    const seq = Number(readU64(key, 1));
    checked.walRecords++;
    if (seq !== expected) problems.push({ where: 'wal', id: String(expected), code: 'SYN_INTEGRITY', detail: `missing; next is ${seq}` });
    try {
      decodeWalOps(engine.cipher.open(KIND.WAL, safeU64Bytes(seq), sealed, 'wal', seq), seq);
    } catch (error) {
      problems.push({ where: 'wal', id: String(seq), ...describe(error) });
    }
    expected = seq + 1;
  }

  const ctx = engine.internals.ctx;
  const known = new Set(runs.map((r) => r.id));
  for (const run of runs) {
    throwIfAborted(signal);
    checked.runs++;
    try {
      await Run.load(ctx, run.id);
    } catch (error) {
      problems.push({ where: 'run-index', id: String(run.id), ...describe(error) });
    }
    for (let b = 0; b < run.blockCount; b++) {
      checked.blocks++;
      try {
        run.block(ctx, b, true);
      } catch (error) {
        problems.push({ where: 'block', id: `run ${run.id} block ${b}`, ...describe(error), firstKey: run.firstKeys[b] as Uint8Array, lastKey: run.lastKeys[b] as Uint8Array });
      }
      if (++done % 256 === 0) {
        onProgress?.({ done, total });
        throwIfAborted(signal);
        await breathe();
      }
    }
    for (let n = 0; n < run.largeCount; n++) {
      checked.largeValues++;
      const where = `run ${run.id} large value ${n}`;
      const sealed = await backend.get(largeValueKey(run.id, n));
      if (sealed === undefined) problems.push({ where: 'large-value', id: where, code: 'SYN_INTEGRITY', detail: 'missing' });
      else {
        try {
          engine.cipher.open(KIND.LARGE_VALUE, pairLocation(run.id, n), sealed, 'page', where);
        } catch (error) {
          problems.push({ where: 'large-value', id: where, ...describe(error) });
        }
      }
      done++;
    }
    done++;
  }

  for await (const key of backend.keys({ gte: new Uint8Array([PREFIX.INDEX]), lt: new Uint8Array([PREFIX.INDEX + 1]) })) {
    const id = readU32(key, 1);
    if (!known.has(id)) problems.push({ where: 'orphan', id: `run ${id}`, code: 'SYN_INTEGRITY', detail: 'a run index the manifest does not list (cleaned up at the next open)' });
  }
  onProgress?.({ done: total, total });
  return { ok: problems.length === 0, checked, problems };
}
