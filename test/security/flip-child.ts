/**
 * Child process for the raw-file flip trials of tamper.test.ts. A damaged
 * LevelDB table can abort the whole process inside LevelDB (a failed C
 * assert), so these trials run here: the parent learns which trial was in
 * flight when the child died and starts a new child for the rest.
 *
 * IPC (serialization 'advanced', so Maps and Uint8Arrays pass as they are):
 *   parent -> child  { base, files: Map<name, bytes>, flips: FileFlip[], first, root }
 *   child -> parent  { t: 'start', i } before trial i, then
 *                    { t: 'done', i, outcome, open, reads, description }
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Outcome } from '../helpers/store-fixtures.ts';
import { describeTrial, flipFile, runTrial, worst, type Base, type FileFlip } from './tamper-trial.ts';

export interface FlipJob {
  readonly base: Omit<Base, 'raw'>;
  readonly flips: readonly FileFlip[];
  /** Index of the first flip to run. */
  readonly first: number;
  /** Where trial copies go. */
  readonly root: string;
}

export type FlipReport =
  | { readonly t: 'start'; readonly i: number }
  | { readonly t: 'done'; readonly i: number; readonly outcome: Outcome; readonly open: Outcome; readonly reads: Outcome[]; readonly description: string };

function send(message: FlipReport): Promise<void> {
  return new Promise((resolve, reject) => process.send?.(message, undefined, {}, (error) => (error ? reject(error) : resolve())));
}

process.once('message', (message) => {
  void (async () => {
    const job = message as FlipJob;
    const base: Base = { ...job.base, raw: [] };
    const originals = new Map<string, Uint8Array>();
    for (let i = job.first; i < job.flips.length; i++) {
      const flip = job.flips[i] as FileFlip;
      let original = originals.get(flip.file);
      if (original === undefined) originals.set(flip.file, (original = await readFile(join(base.dir, 'db', flip.file))));
      await send({ t: 'start', i });
      const trial = await runTrial(base, join(job.root, `flip-${process.pid}-${i}`), flipFile(original, flip));
      await send({ t: 'done', i, outcome: worst(trial), open: trial.open, reads: trial.reads.map((r) => r.outcome), description: describeTrial(trial) });
    }
    process.disconnect();
  })();
});
