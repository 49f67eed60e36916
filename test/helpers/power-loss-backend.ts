/**
 * A storage backend that simulates power loss below the engine.
 *
 * Reads see every write at once (as LevelDB's memtable does), but every
 * mutating call is also appended to a log, and what survives a power cut
 * is computed from that log with LevelDB's durability rules:
 *
 *   - LevelDB's log is sequential and each batch in it is atomic: a cut
 *     keeps a prefix of the batches, never part of one. A `sync` write
 *     fsyncs the log, so it makes itself and every earlier batch durable.
 *     Writes without `sync` sit in a volatile buffer until then.
 *   - `clear` is not atomic in classic-level (binding.cc ClearWorker: one
 *     non-synced batch per 16 KiB of keys); here it is one non-synced batch
 *     per CLEAR_BATCH keys, smaller, so torn clears are frequent.
 *   - Header writes are two calls, copy A then copy B (header-file.ts: each
 *     written in place, then fsynced): durable when they return; a cut
 *     during one leaves that copy torn (a truncated new copy) or untouched.
 *   - The close marker (write temp, fsync, rename) is durable when the call
 *     returns; a cut during the call leaves the old marker or the new one.
 *   - Side files are durable after `commit()` (fsync of file and folder);
 *     a file never committed vanishes. `remove` is durable when it returns.
 *   - `compact` changes nothing logical and is not a cut point; reads are
 *     not cut points either (they change nothing that could survive).
 *
 * A cut "during call k" (1-based over mutating calls; k = log.length + 1 is
 * a cut after the last call) keeps: every write up to the last sync write
 * that returned before call k, plus any prefix of the later writes up to
 * and including call k itself (it may or may not have reached the log).
 * `survivors(cut)` builds that state; `PowerLossBackend.fromState` opens a
 * new backend on it (itself logging, so a recovery can be cut again).
 */
import { openMemoryBackend, type Backend, type BackendOp, type BackendRange } from '../../src/engine/backend.ts';
import { memorySideFiles, type SideFileReader, type SideFiles, type SideFileWriter } from '../../src/engine/side-files.ts';

/** Keys per non-atomic batch of a simulated `clear`. */
export const CLEAR_BATCH = 8;

/** One mutating storage call, in call order. */
export type LoggedCall =
  | { readonly kind: 'write'; readonly ops: readonly BackendOp[]; readonly sync: boolean }
  | { readonly kind: 'header'; readonly copy: 0 | 1; readonly bytes: Uint8Array }
  | { readonly kind: 'mark'; readonly bytes: Uint8Array | undefined }
  | { readonly kind: 'side-commit'; readonly area: string; readonly name: string; readonly bytes: Uint8Array }
  | { readonly kind: 'side-remove'; readonly area: string; readonly name: string };

/** Everything that survives a cut. */
export interface SurvivingState {
  /** LevelDB contents: latin1 key -> [key, value]. */
  readonly entries: Map<string, [Uint8Array, Uint8Array]>;
  readonly header: [Uint8Array | undefined, Uint8Array | undefined];
  readonly mark: Uint8Array | undefined;
  /** area -> name -> bytes. */
  readonly sideFiles: Map<string, Map<string, Uint8Array>>;
}

/** Where a cut falls and which of the volatile writes survive it. */
export interface Cut {
  /** The cut happens during mutating call `during` (1-based); log.length + 1: after the last call. */
  readonly during: number;
  /** Writes with call index <= `lastWrite` survive (0: none); between `durableWrite(during)` and `during`. */
  readonly lastWrite: number;
  /** A header copy written by call `during`: torn (true) or untouched (false). */
  readonly tornHeader: boolean;
  /** A marker or side-file commit written by call `during`: reached the disk (true) or not. */
  readonly landed: boolean;
}

export const mapKey = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');

export class PowerLossBackend implements Backend {
  readonly persistent = true;
  readonly location = ':power-loss:';
  readonly #inner: Backend;
  readonly #header: [Uint8Array | undefined, Uint8Array | undefined];
  #mark: Uint8Array | undefined;
  readonly #areas = new Map<string, SideFiles>();
  /** Every mutating call so far; call k is `log[k - 1]`. */
  readonly log: LoggedCall[] = [];
  /** Non-mutating calls (reads), for the report. */
  reads = 0;

  private constructor(inner: Backend, header: [Uint8Array | undefined, Uint8Array | undefined], mark: Uint8Array | undefined) {
    this.#inner = inner;
    this.#header = header;
    this.#mark = mark;
  }

  /** An empty simulated disk. */
  static async create(): Promise<PowerLossBackend> {
    return new PowerLossBackend(await openMemoryBackend(), [undefined, undefined], undefined);
  }

  /** A simulated disk holding `state` (what survived a cut), with an empty log. */
  static async fromState(state: SurvivingState): Promise<PowerLossBackend> {
    const inner = await openMemoryBackend();
    const ops: BackendOp[] = [];
    for (const [key, value] of state.entries.values()) ops.push({ type: 'put', key, value });
    if (ops.length > 0) await inner.write(ops, false);
    const backend = new PowerLossBackend(inner, [state.header[0], state.header[1]], state.mark);
    for (const [area, files] of state.sideFiles) {
      for (const [name, bytes] of files) {
        const writer = await backend.#area(area).create(name);
        await writer.append([bytes]);
        await writer.commit();
      }
    }
    return backend;
  }

  // ------------------------------------------------------------ LevelDB

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.reads++;
    return this.#inner.get(key);
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    this.reads++;
    return this.#inner.getSync(key);
  }

  write(ops: readonly BackendOp[], sync: boolean): Promise<void> {
    // Copies: the engine may reuse nothing, but the log must not alias caller buffers.
    this.log.push({ kind: 'write', ops: ops.map(copyOp), sync });
    return this.#inner.write(ops, sync);
  }

  async clear(range: BackendRange): Promise<void> {
    const keys: Uint8Array[] = [];
    for await (const key of this.#inner.keys(range)) keys.push(key.slice());
    for (let i = 0; i < keys.length; i += CLEAR_BATCH) {
      await this.write(keys.slice(i, i + CLEAR_BATCH).map((key) => ({ type: 'del', key })), false);
    }
  }

  entries(range: BackendRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    this.reads++;
    return this.#inner.entries(range);
  }

  keys(range: BackendRange): AsyncIterable<Uint8Array> {
    this.reads++;
    return this.#inner.keys(range);
  }

  async compact(_range: BackendRange): Promise<void> {
    // Rewrites files, changes no key: nothing for a cut to observe.
  }

  // ------------------------------------------------- header and marker

  async readHeader(): Promise<Array<Uint8Array | undefined>> {
    this.reads++;
    return this.#header.map((copy) => copy?.slice());
  }

  async writeHeader(header: Uint8Array): Promise<void> {
    for (const copy of [0, 1] as const) {
      this.log.push({ kind: 'header', copy, bytes: header.slice() });
      this.#header[copy] = header.slice();
    }
  }

  async readCloseMark(): Promise<Uint8Array | undefined> {
    this.reads++;
    return this.#mark?.slice();
  }

  async writeCloseMark(mark: Uint8Array | undefined): Promise<void> {
    this.log.push({ kind: 'mark', bytes: mark?.slice() });
    this.#mark = mark?.slice();
  }

  // ---------------------------------------------------------- side files

  sideFiles(area: string): SideFiles {
    const inner = this.#area(area);
    const log = this.log;
    return {
      async create(name: string): Promise<SideFileWriter> {
        const writer = await inner.create(name);
        const pieces: Uint8Array[] = [];
        return {
          get bytes() {
            return writer.bytes;
          },
          async append(more) {
            for (const p of more) pieces.push(p.slice());
            await writer.append(more);
          },
          async commit() {
            await writer.commit();
            log.push({ kind: 'side-commit', area, name, bytes: Buffer.concat(pieces) });
          },
          abort: () => writer.abort(),
        };
      },
      open: (name: string): Promise<SideFileReader | undefined> => inner.open(name),
      list: () => inner.list(),
      async remove(name: string) {
        await inner.remove(name);
        log.push({ kind: 'side-remove', area, name });
      },
    };
  }

  #area(area: string): SideFiles {
    let files = this.#areas.get(area);
    if (files === undefined) {
      files = memorySideFiles();
      this.#areas.set(area, files);
    }
    return files;
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  // ---------------------------------------------------------------- cuts

  /** The last sync write that returned before call `during` (0 if none): everything up to it is durable. */
  durableWrite(during: number): number {
    for (let i = Math.min(during, this.log.length + 1) - 1; i >= 1; i--) {
      const call = this.log[i - 1] as LoggedCall;
      if (call.kind === 'write' && call.sync) return i;
    }
    return 0;
  }

  /** Call indexes of the writes a cut during `during` may keep or drop: (durableWrite, during]. */
  volatileWrites(during: number): number[] {
    const out: number[] = [];
    for (let i = this.durableWrite(during) + 1; i <= Math.min(during, this.log.length); i++) {
      if ((this.log[i - 1] as LoggedCall).kind === 'write') out.push(i);
    }
    return out;
  }

  /** The state a cut leaves. Writes apply in call order up to `cut.lastWrite`. */
  survivors(cut: Cut): SurvivingState {
    return survivorsOf(this.log, cut, EMPTY_STATE);
  }
}

/** Nothing stored yet. */
export const EMPTY_STATE: SurvivingState = { entries: new Map(), header: [undefined, undefined], mark: undefined, sideFiles: new Map() };

/**
 * The state a cut in `log` leaves on top of `base` (the disk the log
 * started from). Writes apply in call order from call `from + 1` up to
 * `cut.lastWrite`: callers visiting cuts in increasing `lastWrite` order
 * pass the previous result's entries as `base.entries` and its `lastWrite`
 * as `from`, instead of replaying from the start. `base` is not changed.
 */
export function survivorsOf(log: readonly LoggedCall[], cut: Cut, base: SurvivingState, from = 0): SurvivingState {
  const entries = new Map(base.entries);
  for (let i = from + 1; i <= cut.lastWrite; i++) {
    const call = log[i - 1];
    if (call?.kind !== 'write') continue;
    for (const op of call.ops) {
      if (op.type === 'put') entries.set(mapKey(op.key), [op.key, op.value]);
      else entries.delete(mapKey(op.key));
    }
  }
  const header: [Uint8Array | undefined, Uint8Array | undefined] = [base.header[0], base.header[1]];
  let mark = base.mark;
  const sideFiles = new Map([...base.sideFiles].map(([area, files]) => [area, new Map(files)]));
  for (let i = 1; i <= Math.min(cut.during, log.length); i++) {
    const call = log[i - 1] as LoggedCall;
    const inFlight = i === cut.during;
    if (call.kind === 'header') {
      if (!inFlight) header[call.copy] = call.bytes;
      // Written in place: a torn copy holds part of the new bytes (then old ones or nothing): its checksum fails.
      else if (cut.tornHeader) header[call.copy] = call.bytes.subarray(0, Math.max(1, call.bytes.length >>> 1));
    } else if (call.kind === 'mark') {
      if (!inFlight || cut.landed) mark = call.bytes;
    } else if (call.kind === 'side-commit') {
      if (!inFlight || cut.landed) {
        let area = sideFiles.get(call.area);
        if (area === undefined) sideFiles.set(call.area, (area = new Map()));
        area.set(call.name, call.bytes);
      }
    } else if (call.kind === 'side-remove') {
      if (!inFlight || cut.landed) sideFiles.get(call.area)?.delete(call.name);
    }
  }
  return { entries, header, mark, sideFiles };
}

function copyOp(op: BackendOp): BackendOp {
  return op.type === 'put' ? { type: 'put', key: op.key.slice(), value: op.value.slice() } : { type: 'del', key: op.key.slice() };
}
