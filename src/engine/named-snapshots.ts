/**
 * Named snapshots: versions of the store that survive reopen, for
 * "restore to yesterday" or auditing. Creating one flushes the memtable so
 * the snapshot is exactly a set of immutable runs, then records (name, seq,
 * run ids) in the manifest; those runs are kept until the snapshot is
 * deleted, even after merges replace them in the live tree.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { NAMESPACE } from './input.ts';
import { Snapshot } from './snapshot.ts';

/** What `list` returns for each named snapshot. */
export interface NamedSnapshotInfo {
  readonly name: string;
  /** Commit sequence it reads at. */
  readonly seq: number;
  /** Creation time, ms since the epoch. */
  readonly created: number;
}

const MAX_NAME = 256;

function mustName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) {
    throw new InvalidArgumentError('name', `a string of 1 to ${MAX_NAME} characters`, name);
  }
  return name;
}

export class NamedSnapshots {
  readonly #engine: Engine;
  readonly #check: () => void;

  /** @internal */
  constructor(engine: Engine, check: () => void) {
    this.#engine = engine;
    this.#check = check;
  }

  /** Records the current state under `name` (replacing a snapshot of that name). */
  async create(name: string): Promise<NamedSnapshotInfo> {
    const n = mustName(name);
    this.#check();
    await this.#engine.flush();
    const meta = await this.#engine.exclusive(() => this.#engine.setNamed(n, true));
    if (meta === undefined) throw new Error('unreachable: snapshot not recorded');
    return { name: meta.name, seq: meta.seq, created: meta.created };
  }

  /** Every named snapshot, oldest first. */
  list(): NamedSnapshotInfo[] {
    this.#check();
    return [...this.#engine.named.values()]
      .map(({ meta }) => ({ name: meta.name, seq: meta.seq, created: meta.created }))
      .sort((a, b) => a.seq - b.seq || a.name.localeCompare(b.name));
  }

  /** Opens a named snapshot for reading, or undefined if there is none of that name. */
  get(name: string): Snapshot | undefined {
    const n = mustName(name);
    this.#check();
    const entry = this.#engine.named.get(n);
    return entry === undefined ? undefined : Snapshot.pinned(this.#engine, this.#engine.pinView(entry.view), NAMESPACE.USER, n);
  }

  /** Deletes a named snapshot; its runs are freed unless still needed. Returns false if absent. */
  async delete(name: string): Promise<boolean> {
    const n = mustName(name);
    this.#check();
    return (await this.#engine.exclusive(() => this.#engine.setNamed(n, false))) !== undefined;
  }
}
