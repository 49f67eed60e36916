/**
 * The encrypted ordered key-value engine: an LSM tree of sealed records on
 * LevelDB. Internal: `storage.ts` validates arguments and owns lifecycle.
 *
 * Write path: a commit becomes one sealed WAL record (engine/wal.ts);
 * concurrent commits are grouped into one LevelDB batch (one fsync for
 * every `sync` commit in the group), then applied to the memtable.
 * Read path: memtable(s), then runs newest first (engine/run.ts), each
 * with a bloom filter, a decrypted-block cache and synchronous block reads.
 * Background (one job at a time): a full memtable is frozen and flushed
 * into a new run; runs of equal tier are merged four at a time (size-
 * tiered), so each byte is rewritten O(log n) times, not O(n).
 *
 * Views: a reader sees (seq, memtables, runs). Memtables are multi-version
 * (filtered by seq) and runs immutable, so a pinned view stays consistent
 * while writes, flushes and merges go on; pinned runs are deleted only when
 * released. Optimistic transactions validate their read set against the
 * keys written by commits after their view (`recentWrites`).
 *
 * Invariants: manifest.seq <= every WAL sequence kept on disk; runs listed
 * newest first never overlap in time; run ids are never reused; a crash at
 * any point leaves the old manifest or the new one (one LevelDB batch).
 */
import { ClosedError, IntegrityError, ReadOnlyError, UnlockRequiredError } from '../errors.ts';
import { KIND } from '../format.ts';
import type { Keyring } from '../keyring/keyring.ts';
import type { Random } from '../crypto/random.ts';
import { breathe } from '../util/breathe.ts';
import { readU32, readU64, safeU64Bytes } from '../util/bytes.ts';
import type { Backend, BackendOp } from './backend.ts';
import { BlockCache } from './block-cache.ts';
import { LargeRef, type StoredValue } from './block.ts';
import { MANIFEST_KEY, PREFIX, indexKey, runRanges, walKey, walRange } from './keys.ts';
import { EMPTY_MANIFEST, openManifest, sealManifest, type Manifest, type NamedSnapshotMeta } from './manifest.ts';
import { Memtable, keyString, type Version } from './memtable.ts';
import { Observers, errorCode } from './observer.ts';
import { mergeSorted } from './merge.ts';
import { RecordCipher } from './record.ts';
import { Run, RunWriter, type RunContext, type RunShape } from './run.ts';
import { decodeWalOps, encodeWalOps, type WriteOp } from './wal.ts';

/** Tuning, all with defaults in storage.ts. */
export interface EngineOptions extends RunShape {
  readonly memtableBytes: number;
  readonly cacheBytes: number;
  readonly random?: Random | undefined;
  /** Opened read-only: no commits, flushes or clean-up writes; the files stay as they were (storage.ts). */
  readonly readOnly?: boolean | undefined;
}

/** A consistent read view. Unpinned views read the latest data (seq = Infinity). */
export class View {
  readonly seq: number;
  readonly memtables: readonly Memtable[];
  readonly runs: readonly Run[];
  released = false;
  constructor(seq: number, memtables: readonly Memtable[], runs: readonly Run[]) {
    this.seq = seq;
    this.memtables = memtables;
    this.runs = runs;
  }
}

/** Bounds of a scan, already normalized by the facade. */
export interface KeyRange {
  readonly low?: Uint8Array | undefined;
  readonly lowInclusive: boolean;
  readonly high?: Uint8Array | undefined;
  readonly highInclusive: boolean;
  readonly reverse: boolean;
}

/** What an optimistic transaction read: validated at commit. */
export interface ReadSet {
  readonly startSeq: number;
  readonly keys: ReadonlySet<string>;
  readonly ranges: readonly KeyRange[];
}

/** Internal signal: the transaction must retry. */
export class ConflictSignal extends Error {}

interface CommitRequest {
  readonly ops: readonly WriteOp[];
  readonly sync: boolean;
  readonly readSet: ReadSet | undefined;
  readonly resolve: (seq: number) => void;
  readonly reject: (error: unknown) => void;
}

const CLOSE_MARK_LOCATION = new TextEncoder().encode('close-mark');
const MERGE_WIDTH = 4;
const MAX_IMMUTABLE = 2;
/**
 * Sealed records of a run being written go to LevelDB in chunks of this
 * size (the run stays invisible until the manifest names it). Small chunks
 * bound the native memory of LevelDB's batch copies: one 16 MiB batch per
 * flush kept the process's resident size far above its heap.
 */
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;
const BREATHE_EVERY = 2048;

export class Engine {
  readonly #backend: Backend;
  readonly #cipher: RecordCipher;
  readonly #options: EngineOptions;
  readonly #ctx: RunContext;
  #manifest: Manifest;
  #active = new Memtable();
  /** Frozen memtables waiting for flush, newest first. */
  #immutables: Memtable[] = [];
  /** Live runs, newest first. */
  #runs: Run[] = [];
  /** Named snapshots, each pinning its runs. */
  #named = new Map<string, { meta: NamedSnapshotMeta; view: View }>();
  /** Every run whose records are still stored: live, pinned or named. */
  readonly #allRuns = new Map<number, Run>();
  #lastSeq: number;
  #nextSeq: number;
  #nextRun: number;
  #current: View | undefined;
  readonly #pinned = new Set<View>();
  #activeReadSets = 0;
  #recentWrites: Array<{ seq: number; keys: string[] }> = [];
  #queue: CommitRequest[] = [];
  #committing = false;
  #jobs: Promise<void> = Promise.resolve();
  /** Commit requests queued and settled so far (for `drainCommits`). */
  #enqueued = 0;
  #settled = 0;
  #closed = false;
  /** Set when close begins: no new merges start; pending work finishes. */
  #closing = false;
  /** Set by `lock()` once the keys are wiped: every read and write refuses until `unlock`. */
  #locked: 'manual' | 'idle' | undefined;
  /** Set while `lock()` runs: new commits refuse, queued ones finish. */
  #locking: 'manual' | 'idle' | undefined;
  /** The last background failure (flush or merge); retried on the next trigger. */
  backgroundError: unknown;
  /** A commit group was written without `sync` and no synced write has followed (see close). */
  #walUnsynced = false;
  readonly stats = { commits: 0, groups: 0, flushes: 0, merges: 0, bytesFlushed: 0, bytesMerged: 0, walBytes: 0 };
  /** Listeners (metrics, tracing) above the engine: see observer.ts. */
  readonly observers: Observers = new Observers(() => ({ walBytes: this.walLiveBytes }));
  /** Sealed WAL bytes still on disk, per memtable holding their commits (deleted when it is flushed). */
  readonly #walOf = new WeakMap<Memtable, number>();

  private constructor(backend: Backend, cipher: RecordCipher, options: EngineOptions, manifest: Manifest) {
    this.#backend = backend;
    this.#cipher = cipher;
    this.#options = options;
    this.#ctx = { backend, cipher, cache: new BlockCache(options.cacheBytes) };
    this.#manifest = manifest;
    this.#lastSeq = manifest.seq;
    this.#nextSeq = manifest.seq + 1;
    this.#nextRun = manifest.nextRun;
  }

  /**
   * Opens the engine over an unlocked keyring: loads the manifest and run
   * indexes, deletes orphans of interrupted merges, replays the WAL.
   * @throws {IntegrityError} a damaged manifest, run index or WAL record.
   */
  static async open(backend: Backend, keyring: Keyring, options: EngineOptions): Promise<Engine> {
    const cipher = new RecordCipher(keyring, options.random);
    const sealed = await backend.get(MANIFEST_KEY);
    let manifest = EMPTY_MANIFEST;
    if (sealed !== undefined) manifest = openManifest(cipher, sealed);
    else if (await hasAnyRecord(backend)) {
      // Records without a manifest: the manifest was deleted. An empty store here would erase them.
      throw new IntegrityError('page', 'manifest', 'missing while other records exist');
    }
    const engine = new Engine(backend, cipher, options, manifest);
    await engine.#load();
    if (options.readOnly === true) return engine;
    if (sealed === undefined) await engine.writeManifest((m) => m);
    // Checked, then removed: only the last clean close's marker ever exists, so a crash
    // (or a key rotation) after this open never meets a stale one.
    await backend.writeCloseMark(undefined);
    return engine;
  }

  async #load(): Promise<void> {
    const manifest = this.#manifest;
    const loaded = new Map<number, Run>();
    const load = async (id: number): Promise<Run> => {
      let run = loaded.get(id);
      if (run === undefined) {
        run = await Run.load(this.#ctx, id);
        loaded.set(id, run);
      }
      return run;
    };
    for (const id of manifest.runs) this.#runs.push(await load(id));
    for (const run of loaded.values()) this.#allRuns.set(run.id, run);
    for (const meta of manifest.snapshots) {
      const runs = await Promise.all(meta.runs.map(load));
      for (const run of runs) this.#allRuns.set(run.id, run);
      for (const run of runs) run.refs++;
      this.#named.set(meta.name, { meta, view: new View(meta.seq, [], runs) });
    }
    // Orphans: runs the manifest does not list. Every one is classified, and the WAL
    // replayed, before anything is deleted: a store that fails a check loses nothing.
    const orphans: number[] = [];
    for await (const [key, value] of this.#backend.entries({ gte: new Uint8Array([PREFIX.INDEX]), lt: new Uint8Array([PREFIX.INDEX + 1]) })) {
      const id = readU32(key, 1);
      if (loaded.has(id)) continue;
      // An empty index is the marker of a merge a crash interrupted: its partial run goes.
      if (value.length > 0) {
        const run = await Run.load(this.#ctx, id);
        if (run.gen > manifest.gen) {
          throw new IntegrityError('page', 'manifest', `generation ${manifest.gen} does not list run ${run.id} of generation ${run.gen}: an older manifest was put back`);
        }
      }
      orphans.push(id);
    }
    await this.#replayWal();
    await this.#checkCloseMark();
    // Read-only: the clean-up waits for the next writable open (replay has put the WAL in the memtable).
    if (this.#options.readOnly === true) return;
    // Data first, index last, so an interrupted clean-up is found again by its index.
    for (const id of orphans) await this.#deleteRunRecords(id);
    await this.#backend.clear(walRange(0, manifest.seq + 1));
  }

  /**
   * LevelDB recovers its own log leniently (a record with a bad checksum is
   * dropped with the rest of its block, and classic-level cannot turn on
   * paranoid checks), so a damaged log could silently lose the last commits
   * of a cleanly closed store. The close marker records the last sequence at
   * close; replay must reach it.
   */
  async #checkCloseMark(): Promise<void> {
    const mark = await this.#backend.readCloseMark();
    if (mark === undefined) return;
    const plain = this.#cipher.open(KIND.META, CLOSE_MARK_LOCATION, mark, 'wal', 'close marker');
    if (plain.length !== 8) throw new IntegrityError('wal', 'close marker', 'malformed');
    const closedAt = Number(readU64(plain, 0));
    if (this.#lastSeq < closedAt) {
      throw new IntegrityError('wal', this.#lastSeq + 1, `the log ends at ${this.#lastSeq}, before the last clean close at ${closedAt}: commits were lost`);
    }
  }

  async #replayWal(): Promise<void> {
    let expected = this.#manifest.seq + 1;
    for await (const [key, sealed] of this.#backend.entries(walRange(expected, Number.MAX_SAFE_INTEGER))) {
      const seq = Number(readU64(key, 1));
      if (seq !== expected) throw new IntegrityError('wal', expected, `missing; found ${seq} next`);
      const plain = this.#cipher.open(KIND.WAL, safeU64Bytes(seq), sealed, 'wal', seq);
      for (const op of decodeWalOps(plain, seq)) this.#active.apply(op.key, op.value, seq, Infinity);
      this.#walOf.set(this.#active, (this.#walOf.get(this.#active) ?? 0) + sealed.length);
      this.#lastSeq = seq;
      expected = seq + 1;
    }
    this.#nextSeq = this.#lastSeq + 1;
  }

  get cipher(): RecordCipher {
    return this.#cipher;
  }
  get lastSeq(): number {
    return this.#lastSeq;
  }
  get cache(): BlockCache {
    return this.#ctx.cache;
  }
  /** Sealed bytes of the WAL records not yet flushed into a run. */
  get walLiveBytes(): number {
    let bytes = this.#walOf.get(this.#active) ?? 0;
    for (const memtable of this.#immutables) bytes += this.#walOf.get(memtable) ?? 0;
    return bytes;
  }

  // ---------------------------------------------------------------- reads

  /** The latest data, unpinned (valid until the next await). */
  view(): View {
    this.#current ??= new View(Infinity, [this.#active, ...this.#immutables], this.#runs);
    return this.#current;
  }

  /** A view frozen at the last committed sequence, kept readable until `release`. */
  pin(): View {
    this.#ensureOpen();
    const latest = this.view();
    const view = new View(this.#lastSeq, latest.memtables, latest.runs);
    for (const run of view.runs) run.refs++;
    this.#pinned.add(view);
    return view;
  }

  /** Pins an existing view (a named snapshot's) so its runs outlive a concurrent delete. */
  pinView(base: View): View {
    this.#ensureOpen();
    const view = new View(base.seq, base.memtables, base.runs);
    for (const run of view.runs) run.refs++;
    this.#pinned.add(view);
    return view;
  }

  /** Releases a pinned view; runs retired meanwhile are deleted once unpinned. */
  release(view: View): void {
    if (view.released || !this.#pinned.has(view)) return;
    view.released = true;
    this.#pinned.delete(view);
    for (const run of view.runs) this.#unref(run);
  }

  /** The value of `key` in `view` (a copy), or undefined. */
  get(view: View, key: Uint8Array): Uint8Array | undefined {
    for (const memtable of view.memtables) {
      const version = memtable.get(key, view.seq);
      if (version !== undefined) return version.value === null ? undefined : version.value.slice();
    }
    for (const run of view.runs) {
      const stored = run.get(this.#ctx, key);
      if (stored !== undefined) return this.#materialize(run, stored);
    }
    return undefined;
  }

  #materialize(run: Run, stored: StoredValue): Uint8Array | undefined {
    if (stored === null) return undefined;
    if (stored instanceof LargeRef) return run.large(this.#ctx, stored);
    return stored.slice();
  }

  /**
   * Live entries of `view` in range, merged with an optional newer source
   * (a transaction's own writes). Keys and values are copies.
   */
  *scan(view: View, range: KeyRange, newer?: Iterator<[Uint8Array, Uint8Array | null]>): Generator<[Uint8Array, Uint8Array]> {
    const lowS = range.low === undefined ? undefined : keyString(range.low);
    const highS = range.high === undefined ? undefined : keyString(range.high);
    const sources: Array<Iterator<[Uint8Array, Uint8Array | null | StoredValue]>> = [];
    if (newer !== undefined) sources.push(newer);
    for (const memtable of view.memtables) {
      sources.push(versionValues(memtable.range(lowS, range.lowInclusive, highS, range.highInclusive, range.reverse, view.seq)));
    }
    const runOffset = sources.length;
    for (const run of view.runs) sources.push(run.range(this.#ctx, range.low, range.lowInclusive, range.high, range.highInclusive, range.reverse));
    for (const [key, value, source] of mergeSorted(sources, range.reverse)) {
      if (value === null) continue;
      const out = source >= runOffset ? this.#materialize(view.runs[source - runOffset] as Run, value as StoredValue) : (value as Uint8Array).slice();
      if (out !== undefined) yield [key.slice(), out];
    }
  }

  // --------------------------------------------------------------- writes

  /** Tracks a transaction so commits record their written keys for it. */
  beginReadSet(): void {
    this.#activeReadSets++;
  }
  endReadSet(): void {
    this.#activeReadSets--;
    if (this.#activeReadSets === 0) this.#recentWrites = [];
  }

  /**
   * Commits `ops` atomically (they must be copies the caller will not touch).
   * Resolves with the sequence once written (and fsynced when `sync`).
   * Rejects with `ConflictSignal` when `readSet` saw data changed since.
   */
  commit(ops: readonly WriteOp[], sync: boolean, readSet?: ReadSet): Promise<number> {
    this.#ensureOpen();
    if (this.#options.readOnly === true) throw new ReadOnlyError('write');
    if (this.#locking !== undefined) throw new UnlockRequiredError(this.#locking);
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ ops, sync, readSet, resolve, reject });
      this.#enqueued++;
      if (!this.#committing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#committing = true;
    try {
      while (this.#queue.length > 0) {
        if (this.#immutables.length >= MAX_IMMUTABLE) {
          try {
            await this.#waitForFlush();
          } catch (error) {
            // The flush failed (disk full, I/O error): the waiting writes fail with its typed
            // error instead of hanging; their data is not lost (nothing was written), and the
            // next commit tries the flush again.
            const group = this.#queue;
            this.#queue = [];
            for (const request of group) request.reject(error);
            this.#settled += group.length;
            continue;
          }
        }
        const group = this.#queue;
        this.#queue = [];
        await this.#commitGroup(group);
        this.#settled += group.length;
      }
    } finally {
      this.#committing = false;
    }
  }

  async #commitGroup(group: CommitRequest[]): Promise<void> {
    const started = this.observers.active ? performance.now() : -1;
    const accepted: Array<{ request: CommitRequest; seq: number; recorded: boolean }> = [];
    const conflicted = new Set<CommitRequest>();
    const ops: BackendOp[] = [];
    let sync = false;
    let walBytes = 0;
    try {
      for (const request of group) {
        if (request.readSet !== undefined && this.#conflicts(request.readSet)) {
          conflicted.add(request);
          request.reject(new ConflictSignal());
          continue;
        }
        const seq = this.#nextSeq++;
        // Recorded now, so a later transaction in this same group validates against it.
        const recorded = this.#activeReadSets > 0;
        if (recorded) this.#recordWrites(seq, request.ops);
        const sealed = this.#cipher.seal(KIND.WAL, safeU64Bytes(seq), encodeWalOps(request.ops));
        this.stats.walBytes += sealed.length;
        walBytes += sealed.length;
        ops.push({ type: 'put', key: walKey(seq), value: sealed });
        sync ||= request.sync;
        accepted.push({ request, seq, recorded });
      }
      if (accepted.length === 0) return;
      await this.#backend.write(ops, sync);
      // A synced write makes every earlier one durable too (LevelDB's log is sequential).
      this.#walUnsynced = !sync;
    } catch (error) {
      // Nothing of the batch is visible: LevelDB batches are atomic.
      this.#nextSeq = this.#lastSeq + 1;
      this.#recentWrites = this.#recentWrites.filter((w) => w.seq <= this.#lastSeq);
      for (const request of group) if (!conflicted.has(request)) request.reject(error);
      if (started >= 0) this.#observeCommit(started, accepted, walBytes, sync, errorCode(error));
      return;
    }
    const oldestPinned = this.#oldestPinned();
    const memtable = this.#active;
    for (const { request, seq, recorded } of accepted) {
      // A transaction that began while this batch was being written reads below `seq`: it must see these keys as changed.
      if (!recorded && this.#activeReadSets > 0) this.#recordWrites(seq, request.ops);
      for (const op of request.ops) memtable.apply(op.key, op.value, seq, oldestPinned);
      this.#lastSeq = seq;
    }
    this.#walOf.set(memtable, (this.#walOf.get(memtable) ?? 0) + walBytes);
    this.stats.commits += accepted.length;
    this.stats.groups++;
    this.#pruneRecentWrites();
    if (memtable.bytes >= this.#options.memtableBytes) this.#freeze();
    for (const { request, seq } of accepted) request.resolve(seq);
    if (started >= 0) this.#observeCommit(started, accepted, walBytes, sync, undefined);
  }

  #observeCommit(started: number, accepted: ReadonlyArray<{ request: CommitRequest }>, walBytes: number, sync: boolean, error: string | undefined): void {
    let operations = 0;
    let bytes = 0;
    for (const { request } of accepted) {
      operations += request.ops.length;
      // Less the namespace byte every engine key starts with: callers count the bytes they passed.
      for (const op of request.ops) bytes += op.key.length - 1 + (op.value === null ? 0 : op.value.length);
    }
    this.observers.commit({ durationMs: performance.now() - started, commits: accepted.length, operations, bytes, walBytes, sync, error });
  }

  #recordWrites(seq: number, ops: readonly WriteOp[]): void {
    const keys = new Array<string>(ops.length);
    for (let i = 0; i < ops.length; i++) keys[i] = keyString((ops[i] as WriteOp).key);
    this.#recentWrites.push({ seq, keys });
  }

  #conflicts(readSet: ReadSet): boolean {
    for (const write of this.#recentWrites) {
      if (write.seq <= readSet.startSeq) continue;
      for (const key of write.keys) {
        if (readSet.keys.has(key)) return true;
        for (const range of readSet.ranges) if (inRange(key, range)) return true;
      }
    }
    return false;
  }

  #pruneRecentWrites(): void {
    if (this.#recentWrites.length < 1024) return;
    const oldest = this.#oldestPinned();
    if (oldest === Infinity) return;
    this.#recentWrites = this.#recentWrites.filter((w) => w.seq > oldest);
  }

  #oldestPinned(): number {
    let oldest = Infinity;
    for (const view of this.#pinned) if (view.seq < oldest) oldest = view.seq;
    return oldest;
  }

  // ----------------------------------------------------------- background

  /** Freezes the active memtable and schedules its flush. */
  #freeze(): void {
    if (this.#active.size === 0) return;
    this.#active.freeze();
    this.#immutables.unshift(this.#active);
    this.#active = new Memtable();
    this.#current = undefined;
    this.#schedule(() => this.#flushOldest());
  }

  #schedule(job: () => Promise<void>): Promise<void> {
    const run = this.#jobs.then(job);
    this.#jobs = run.catch((error: unknown) => {
      this.backgroundError = error;
    });
    return run;
  }

  /** Backpressure: waits for the oldest frozen memtable to be flushed; rejects if that flush fails. */
  async #waitForFlush(): Promise<void> {
    await this.#schedule(() => this.#flushOldest());
  }

  /** Flushes the memtable now (and waits for pending flushes). */
  async flush(): Promise<void> {
    this.#ensureOpen();
    if (this.#options.readOnly === true) throw new ReadOnlyError('flush');
    this.#freeze();
    this.#schedule(async () => undefined);
    await this.#jobs;
    if (this.#immutables.length > 0) {
      await this.#schedule(() => this.#flushOldest());
    }
  }

  /** Waits until every commit queued before this call is applied or failed (later ones are not waited for). */
  async drainCommits(): Promise<void> {
    const target = this.#enqueued;
    while (this.#settled < target) await breathe();
  }

  /**
   * Deletes the records of runs that no manifest of this engine lists: left
   * by a flush or merge whose last write failed (or landed though reported
   * failed: a failed fsync), or by a clean-up that failed. Call inside
   * `exclusive` (no flush or merge is writing a run) and after a manifest
   * write succeeded (the manifest on disk then lists none of them). Key
   * rotation calls it before retiring old epochs: such a run, still sealed
   * under a retired key, failed the next open's orphan check (found by
   * test/reliability/faults.test.ts).
   */
  async deleteOrphanRuns(): Promise<void> {
    const orphans: number[] = [];
    for await (const key of this.#backend.keys({ gte: new Uint8Array([PREFIX.INDEX]), lt: new Uint8Array([PREFIX.INDEX + 1]) })) {
      const id = readU32(key, 1);
      if (!this.#allRuns.has(id)) orphans.push(id);
    }
    for (const id of orphans) await this.#deleteRunRecords(id);
  }

  /** Every run whose records are still stored (for key rotation). */
  storedRuns(): Run[] {
    return [...this.#allRuns.values()];
  }

  /** True while the run's records are stored. */
  hasStoredRun(id: number): boolean {
    return this.#allRuns.has(id);
  }

  /** Waits for background work queued so far. */
  async idle(): Promise<void> {
    await this.#jobs;
  }

  async #flushOldest(): Promise<void> {
    const frozen = this.#immutables[this.#immutables.length - 1];
    if (frozen === undefined) return;
    const started = this.observers.active ? performance.now() : -1;
    const bottom = this.#runs.length === 0;
    const id = this.#nextRun++;
    const writer = new RunWriter(this.#ctx, id, 0, this.#manifest.gen + 1, frozen.size, this.#options);
    let n = 0;
    let marked = false;
    for (const [key, version] of frozen.latest()) {
      if (version.value === null && bottom) continue;
      writer.add(key, version.value);
      if (writer.pendingBytes >= WRITE_CHUNK_BYTES) {
        // The empty index marker first: if a crash stops the flush, open deletes the partial run.
        if (!marked) await this.#backend.write([{ type: 'put', key: indexKey(id), value: new Uint8Array(0) }], false);
        marked = true;
        await this.#backend.write(writer.takeOps(), false);
      }
      if (++n % BREATHE_EVERY === 0) await breathe();
    }
    const { ops, run } = writer.finish();
    const runs = run.entries > 0 ? [run, ...this.#runs] : this.#runs;
    const manifest: Manifest = { ...this.#manifest, gen: this.#manifest.gen + 1, seq: frozen.maxSeq, nextRun: this.#nextRun, runs: runs.map((r) => r.id) };
    const write = run.entries > 0 ? ops : [];
    write.push({ type: 'put', key: MANIFEST_KEY, value: sealManifest(this.#cipher, manifest) });
    await this.#backend.write(write, true);
    this.#manifest = manifest;
    this.#runs = runs;
    if (run.entries > 0) this.#allRuns.set(run.id, run);
    this.#immutables.pop();
    this.#current = undefined;
    this.stats.flushes++;
    this.stats.bytesFlushed += run.bytes;
    // The flush is complete once the manifest names the run. A failing clean-up of the WAL
    // records it covers (disk full, I/O error) must not fail it, nor the writes waiting for it
    // (found by test/reliability/faults.test.ts): replay skips those records, and the next
    // flush or open deletes them.
    const keep = (error: unknown): void => {
      this.backgroundError = error;
    };
    await this.#backend.clear(walRange(0, frozen.maxSeq + 1)).catch(keep);
    this.#walOf.delete(frozen);
    if (started >= 0) this.observers.background({ kind: 'flush', durationMs: performance.now() - started, bytes: run.bytes, entries: run.entries });
    // Without this LevelDB keeps the deleted WAL ciphertext in its files indefinitely
    // (the benchmark measured 2-3x classic-level's bytes on disk, back to 0.8x after compaction).
    await this.#backend.compact(walRange(0, frozen.maxSeq + 1)).catch(keep);
    const window = this.#closing ? undefined : this.#pickMerge();
    if (window !== undefined) this.#schedule(() => this.#merge(window[0], window[1]));
  }

  /** The newest contiguous window of MERGE_WIDTH runs sharing a tier, as [start, end). */
  #pickMerge(): [number, number] | undefined {
    const runs = this.#runs;
    for (let start = 0; start + MERGE_WIDTH <= runs.length; start++) {
      const tier = (runs[start] as Run).tier;
      let end = start + 1;
      while (end < runs.length && (runs[end] as Run).tier === tier) end++;
      if (end - start >= MERGE_WIDTH) return [start, end];
      start = end - 1;
    }
    return undefined;
  }

  async #merge(start: number, end: number): Promise<void> {
    if (this.#closed || this.#closing) return;
    const inputs = this.#runs.slice(start, end);
    const bottom = end === this.#runs.length;
    const started = this.observers.active ? performance.now() : -1;
    for (const run of inputs) run.refs++;
    try {
      const id = this.#nextRun++;
      const tier = Math.max(...inputs.map((r) => r.tier)) + 1;
      // A marker at the index key first: if a crash interrupts the merge, open finds and deletes the partial run.
      await this.#backend.write([{ type: 'put', key: indexKey(id), value: new Uint8Array(0) }], false);
      const expected = inputs.reduce((sum, r) => sum + r.entries, 0);
      const writer = new RunWriter(this.#ctx, id, tier, this.#manifest.gen + 1, expected, this.#options);
      const sources = inputs.map((run) => run.range(this.#ctx, undefined, true, undefined, true, false));
      let n = 0;
      for (const [key, value, source] of mergeSorted(sources, false)) {
        if (value === null) {
          if (!bottom) writer.add(key, null);
        } else {
          writer.add(key, value instanceof LargeRef ? (inputs[source] as Run).large(this.#ctx, value) : value);
        }
        if (++n % BREATHE_EVERY === 0) {
          if (writer.pendingBytes >= WRITE_CHUNK_BYTES) await this.#backend.write(writer.takeOps(), false);
          await breathe();
        }
      }
      const { ops, run } = writer.finish();
      const runs = [...this.#runs];
      runs.splice(start, end - start, ...(run.entries > 0 ? [run] : []));
      const manifest: Manifest = { ...this.#manifest, gen: this.#manifest.gen + 1, nextRun: this.#nextRun, runs: runs.map((r) => r.id) };
      ops.push({ type: 'put', key: MANIFEST_KEY, value: sealManifest(this.#cipher, manifest) });
      if (run.entries === 0) ops.push({ type: 'del', key: indexKey(id) });
      await this.#backend.write(ops, true);
      this.#manifest = manifest;
      this.#runs = runs;
      if (run.entries > 0) this.#allRuns.set(run.id, run);
      this.#current = undefined;
      this.stats.merges++;
      this.stats.bytesMerged += run.bytes;
      for (const input of inputs) input.retired = true;
      if (started >= 0) this.observers.background({ kind: 'merge', durationMs: performance.now() - started, bytes: run.bytes, entries: run.entries });
    } finally {
      for (const run of inputs) this.#unref(run);
    }
    const next = this.#closing ? undefined : this.#pickMerge();
    if (next !== undefined) this.#schedule(() => this.#merge(next[0], next[1]));
  }

  #unref(run: Run): void {
    run.refs--;
    if (run.retired && run.refs <= 0 && !this.#closed) {
      this.#ctx.cache.dropRun(run.id, run.blockCount);
      this.#schedule(() => this.#deleteRunRecords(run.id));
    }
  }

  async #deleteRunRecords(id: number): Promise<void> {
    this.#allRuns.delete(id);
    const [index, blocks, large] = runRanges(id, id + 1) as [never, never, never];
    await this.#backend.clear(blocks);
    await this.#backend.clear(large);
    await this.#backend.clear(index);
    // Ask LevelDB to rewrite the files that held them, so deleted ciphertext does not linger.
    await this.#backend.compact(runRanges(id, id + 1)[1] as never);
  }

  // ------------------------------------------------------------ lifecycle

  #ensureOpen(): void {
    if (this.#closed) throw new ClosedError('store');
    if (this.#locked !== undefined) throw new UnlockRequiredError(this.#locked);
  }

  /** Why the store is locked (or being locked), or undefined when it is not. */
  get locked(): 'manual' | 'idle' | undefined {
    return this.#locked ?? this.#locking;
  }

  /**
   * Locks the running store (storage.ts lock/autoLock): refuses new commits,
   * lets queued ones finish, flushes the memtable so recent plaintext leaves
   * memory (a failed flush is a background error: the memtable stays and its
   * WAL records keep it durable), waits for background work, closes every
   * pinned view (iterators, snapshots, transactions), empties the decrypted-
   * block cache and wipes the keyring. From then on every read and write
   * throws `UnlockRequiredError` until `unlock`. Idempotent.
   */
  async lock(reason: 'manual' | 'idle'): Promise<void> {
    if (this.#closed || this.#locked !== undefined || this.#locking !== undefined) return;
    this.#locking = reason;
    try {
      await this.drainCommits();
      if (this.#options.readOnly !== true) await this.flush().catch((error: unknown) => (this.backgroundError = error));
      let jobs: Promise<void>;
      do {
        jobs = this.#jobs;
        await jobs;
      } while (jobs !== this.#jobs);
      for (const view of [...this.#pinned]) this.release(view);
      this.#current = undefined;
      this.#ctx.cache.clear();
      this.#cipher.lock(reason);
      this.#locked = reason;
    } finally {
      this.#locking = undefined;
    }
  }

  /** Resumes with `keyring` (unlocked from the header by storage.ts, same store id). */
  unlock(keyring: Keyring): void {
    this.#cipher.setKeyring(keyring);
    this.#locked = undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Waits for queued commits and background work, then stops. Idempotent. */
  async close(options: { flushAbove: number }): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    await this.drainCommits();
    // Locked: no keys to seal with. The memtable was flushed at the lock (or its WAL replays at
    // the next open), and no marker is written: the next open checks as after a crash.
    const sealing = this.#locked === undefined && this.#options.readOnly !== true;
    if (sealing && this.#active.bytes > options.flushAbove) this.#freeze();
    while (sealing && this.#immutables.length > 0 && this.backgroundError === undefined) {
      await this.#schedule(() => this.#flushOldest()).catch(() => undefined);
    }
    // Jobs may schedule more (a flush's run clean-up): wait until the chain stops growing,
    // so nothing runs against a closed backend and no orphan is left for the next open.
    let jobs: Promise<void>;
    do {
      jobs = this.#jobs;
      await jobs;
    } while (jobs !== this.#jobs);
    // The marker promises the log reaches #lastSeq. Relaxed commits may still sit in the OS
    // cache (LevelDB's close does not fsync its log), and a power cut after close would then
    // fail the next open with "commits were lost" (found by test/reliability/power-loss.test.ts).
    // One synced write (the manifest, unchanged) makes them durable first; if even that
    // fails (disk full, I/O error), no marker is written: the next open then checks less,
    // rather than reporting a power cut as damage.
    const durable = sealing && (!this.#walUnsynced || (await this.writeManifest((m) => m).then(() => true, () => false)));
    if (durable) await this.#backend.writeCloseMark(this.#cipher.seal(KIND.META, CLOSE_MARK_LOCATION, safeU64Bytes(this.#lastSeq)));
    this.#closed = true;
    for (const view of [...this.#pinned]) this.release(view);
    this.#ctx.cache.clear();
  }

  /** Named snapshot records (for storage.ts). */
  get named(): ReadonlyMap<string, { meta: NamedSnapshotMeta; view: View }> {
    return this.#named;
  }

  /** Runs a job in the background queue (exclusive with flushes and merges). */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    let result: T;
    return this.#schedule(async () => {
      result = await job();
    }).then(() => result);
  }

  /** Writes a new manifest built from the current one (inside `exclusive`). */
  async writeManifest(change: (m: Manifest) => Manifest, extra: BackendOp[] = []): Promise<void> {
    if (this.#options.readOnly === true) throw new ReadOnlyError('write manifest');
    const manifest = { ...change(this.#manifest), gen: this.#manifest.gen + 1 };
    await this.#backend.write([...extra, { type: 'put', key: MANIFEST_KEY, value: sealManifest(this.#cipher, manifest) }], true);
    this.#manifest = manifest;
    this.#walUnsynced = false;
  }

  /** Internal state for named snapshots and rotation (same layer only). */
  get internals(): { runs: readonly Run[]; manifest: Manifest; ctx: RunContext; backend: Backend; immutables: number; activeBytes: number } {
    return { runs: this.#runs, manifest: this.#manifest, ctx: this.#ctx, backend: this.#backend, immutables: this.#immutables.length, activeBytes: this.#active.bytes };
  }

  /** Adds or removes a named snapshot (inside `exclusive`, after a flush). */
  async setNamed(name: string, add: boolean): Promise<NamedSnapshotMeta | undefined> {
    const existing = this.#named.get(name);
    if (add) {
      const runs = [...this.#runs];
      const meta: NamedSnapshotMeta = { name, seq: this.#manifest.seq, runs: runs.map((r) => r.id), created: Date.now() };
      await this.writeManifest((m) => ({ ...m, snapshots: [...m.snapshots.filter((s) => s.name !== name), meta] }));
      for (const run of runs) run.refs++;
      this.#named.set(name, { meta, view: new View(meta.seq, [], runs) });
      if (existing !== undefined) for (const run of existing.view.runs) this.#releaseNamedRun(run);
      return meta;
    }
    if (existing === undefined) return undefined;
    await this.writeManifest((m) => ({ ...m, snapshots: m.snapshots.filter((s) => s.name !== name) }));
    this.#named.delete(name);
    for (const run of existing.view.runs) this.#releaseNamedRun(run);
    return existing.meta;
  }

  #releaseNamedRun(run: Run): void {
    // A run no longer live (merged away) and pinned by nothing else is deleted.
    if (!this.#runs.includes(run)) run.retired = true;
    run.refs--;
    if (run.retired && run.refs <= 0) {
      this.#ctx.cache.dropRun(run.id, run.blockCount);
      void this.#deleteRunRecords(run.id).catch((error: unknown) => {
        this.backgroundError = error;
      });
    }
  }
}

/** True if any engine record (WAL, run index, block, large value) exists. */
async function hasAnyRecord(backend: Backend): Promise<boolean> {
  for (const prefix of [PREFIX.WAL, PREFIX.INDEX, PREFIX.BLOCK, PREFIX.LARGE]) {
    for await (const _ of backend.keys({ gte: new Uint8Array([prefix]), lt: new Uint8Array([prefix + 1]) })) return true;
  }
  return false;
}

function* versionValues(source: Iterator<[Uint8Array, Version]> & Iterable<[Uint8Array, Version]>): Generator<[Uint8Array, Uint8Array | null]> {
  for (const [key, version] of source) yield [key, version.value];
}

function inRange(key: string, range: KeyRange): boolean {
  if (range.low !== undefined) {
    const low = keyString(range.low);
    if (range.lowInclusive ? key < low : key <= low) return false;
  }
  if (range.high !== undefined) {
    const high = keyString(range.high);
    if (range.highInclusive ? key > high : key >= high) return false;
  }
  return true;
}
