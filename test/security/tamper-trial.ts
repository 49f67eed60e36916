/**
 * One tamper trial: copy a pristine closed store, damage the copy, open it
 * and read the whole dataset back, recording how every step ended. Shared
 * by tamper.test.ts (in process) and flip-child.ts (file flips, which can
 * abort the process inside LevelDB, so they run in a child).
 *
 * Reopens use the recovery code (HKDF, no Argon2id per trial): the
 * credential is not what is under test.
 */
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Store } from '../../src/index.ts';
import { classifyError, withTimeout, type Outcome, type RawEntry } from '../helpers/store-fixtures.ts';
import { readEverything, type Dataset, type ReadResult } from './dataset.ts';

/** A pristine closed store and what it holds. */
export interface Base {
  readonly dir: string;
  readonly recoveryCode: string;
  readonly dataset: Dataset;
  readonly raw: readonly RawEntry[];
}

/** How one damaged copy behaved. */
export interface Trial {
  /** 'right' if the store opened. */
  readonly open: Outcome;
  readonly openError?: unknown;
  readonly reads: readonly ReadResult[];
}

/** Worst first: a trial is as bad as its worst answer. */
const SEVERITY: readonly Outcome[] = ['wrong', 'hang', 'untyped', 'other-typed', 'format-version', 'integrity', 'right'];

export function worst(trial: Trial): Outcome {
  const all = [trial.open, ...trial.reads.map((r) => r.outcome)];
  return SEVERITY.find((s) => all.includes(s)) ?? 'right';
}

export function errorsOf(trial: Trial): unknown[] {
  return [trial.openError, ...trial.reads.map((r) => r.error)].filter((e) => e !== undefined);
}

export function describeTrial(trial: Trial): string {
  const bad = trial.reads.filter((r) => r.outcome !== 'right' && r.outcome !== 'integrity').map((r) => r.detail);
  return `open=${trial.open}${trial.openError === undefined ? '' : ` (${String(trial.openError)})`} ${bad.slice(0, 3).join('; ')}`;
}

/** Copies `base` to `dir`, damages the copy with `mutate`, opens it and reads everything; removes the copy. */
export async function runTrial(base: Base, dir: string, mutate: (dir: string) => Promise<void>): Promise<Trial> {
  await cp(base.dir, dir, { recursive: true });
  try {
    await mutate(dir);
    let store: Store;
    try {
      store = await withTimeout(Store.open(dir, { recoveryCode: base.recoveryCode }), 20_000, 'open');
    } catch (error) {
      return { open: classifyError(error), openError: error, reads: [] };
    }
    const reads = await readEverything(store, base.dataset);
    try {
      await withTimeout(store.close(), 20_000, 'close');
    } catch (error) {
      reads.push({ op: 'close', outcome: classifyError(error), error, detail: `close: ${String(error)}` });
    }
    return { open: 'right', reads };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One bit flipped in one file of the LevelDB folder. */
export interface FileFlip {
  readonly file: string;
  readonly offset: number;
  readonly bit: number;
}

/** A mutation that writes `original` with `flip` applied over `db/<flip.file>`. */
export function flipFile(original: Uint8Array, flip: FileFlip): (dir: string) => Promise<void> {
  return async (dir) => {
    const damaged = Buffer.from(original);
    damaged[flip.offset] = (damaged[flip.offset] as number) ^ (1 << flip.bit);
    await writeFile(join(dir, 'db', flip.file), damaged);
  };
}
