/**
 * Manifest: the engine's root record, sealed under key `M` (engine/keys.ts)
 * with AAD kind META and location `manifest`.
 *
 * Plaintext is MessagePack (@msgpack/msgpack: pure JS, no native optional
 * dependencies) of:
 *   gen        generation: +1 on every manifest write. Each run index records
 *              the generation that created it, so a replayed older manifest
 *              is caught by the newer runs it does not list (engine.ts #load)
 *   seq        every commit with sequence <= seq is in the runs
 *   nextRun    next run id; ids are never reused
 *   runs       live run ids, newest first (newer runs shadow older ones)
 *   snapshots  named snapshots: name, seq, run ids (pinned), created (ms)
 *
 * Written in the same LevelDB batch as the records it names, so a crash
 * leaves the old manifest or the new one. It changes only on flush, merge
 * and snapshot edits, so its encoding is not a hot path.
 */
import { decode, encode } from '@msgpack/msgpack';
import { IntegrityError } from '../errors.ts';
import { KIND } from '../format.ts';
import { utf8 } from '../util/bytes.ts';
import type { RecordCipher } from './record.ts';

export interface NamedSnapshotMeta {
  readonly name: string;
  readonly seq: number;
  readonly runs: readonly number[];
  readonly created: number;
}

export interface Manifest {
  readonly gen: number;
  readonly seq: number;
  readonly nextRun: number;
  readonly runs: readonly number[];
  readonly snapshots: readonly NamedSnapshotMeta[];
}

export const EMPTY_MANIFEST: Manifest = { gen: 0, seq: 0, nextRun: 1, runs: [], snapshots: [] };

const LOCATION = utf8('manifest');

export function sealManifest(cipher: RecordCipher, manifest: Manifest): Uint8Array {
  return cipher.seal(KIND.META, LOCATION, encode(manifest));
}

/** @throws {IntegrityError} where 'page' id 'manifest'. */
export function openManifest(cipher: RecordCipher, sealed: Uint8Array): Manifest {
  const plain = cipher.open(KIND.META, LOCATION, sealed, 'page', 'manifest');
  let value: unknown;
  try {
    value = decode(plain);
  } catch (error) {
    throw new IntegrityError('page', 'manifest', 'undecodable', { cause: error });
  }
  if (!isManifest(value)) throw new IntegrityError('page', 'manifest', 'malformed');
  return value;
}

const isId = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function isManifest(v: unknown): v is Manifest {
  if (v === null || typeof v !== 'object') return false;
  const m = v as Record<string, unknown>;
  return isId(m.gen) && isId(m.seq) && isId(m.nextRun) && Array.isArray(m.runs) && m.runs.every(isId) && Array.isArray(m.snapshots) &&
    m.snapshots.every((s: unknown) => {
      const x = s as Record<string, unknown>;
      return x !== null && typeof x === 'object' && typeof x.name === 'string' && isId(x.seq) && Array.isArray(x.runs) && x.runs.every(isId) && typeof x.created === 'number';
    });
}
