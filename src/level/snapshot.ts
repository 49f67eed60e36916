/**
 * Explicit Level snapshots (`db.snapshot()`), each holding one engine
 * `Snapshot` pinned synchronously at creation, as abstract-level requires
 * ("a db.put() made immediately after db._snapshot() will not affect it").
 *
 * AbstractSnapshot does the reference counting and closed checks
 * (LEVEL_SNAPSHOT_NOT_OPEN); `_close` runs once no read holds a reference
 * and releases the engine view. Each snapshot remembers the database that
 * made it, so a snapshot of another database is refused instead of
 * silently reading that database's data.
 */
import { AbstractSnapshot } from 'abstract-level';
import type { Snapshot } from '../engine/snapshot.ts';

/** abstract-level's runtime constructor takes `{ owner }`; its .d.ts declares none. */
const SnapshotBase: new (options: object) => AbstractSnapshot = AbstractSnapshot as unknown as new (options: object) => AbstractSnapshot;

export class SynapsedSnapshot extends SnapshotBase {
  /** @internal The engine view reads go to. */
  readonly view: Snapshot;
  /** @internal The database whose store `view` belongs to. */
  readonly origin: object;

  /** @internal Created by `SynapsedLevel._snapshot`. */
  constructor(options: object, view: Snapshot, origin: object) {
    super(options);
    this.view = view;
    this.origin = origin;
  }

  async _close(): Promise<void> {
    await this.view.close();
  }
}
