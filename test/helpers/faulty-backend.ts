/**
 * A backend wrapper that injects storage faults (issue 7): ENOSPC or EIO at
 * the N-th call of one class, once or from then on, until `heal()`.
 *
 * Classes of calls, counted separately:
 *   write  unsynced LevelDB writes, `clear`, the close marker, side-file
 *          create and append: the failure comes before anything is applied
 *          (LevelDB's log append failed), except `clear`, which is not
 *          atomic and fails after deleting the first half of its range
 *   sync   synced LevelDB writes and header writes: the data reached the
 *          files but the fsync failed, so the write IS applied and still
 *          reported failed ("may or may not show up when the DB is
 *          re-opened", LevelDB's db_impl.cc on a failed log sync); and
 *          side-file commit, which fails before its fsync
 *   disk   write and sync together, counted as one sequence (a full disk)
 *   read   get, getSync, entries and keys (after yielding the first entry),
 *          header and marker reads, side-file open and read
 *
 * The errors are what backend.ts raises for the system error: a
 * `StorageFullError` (ENOSPC) or `IOError` (EIO), each with a Node-style
 * errno error as `cause`. Every injected error is kept in `injected`, so a
 * test can check that what reached the caller is exactly one of them.
 */
import { IOError, StorageFullError, type SynapsedError } from '../../src/errors.ts';
import type { Backend, BackendOp, BackendRange } from '../../src/engine/backend.ts';
import type { SideFileReader, SideFiles, SideFileWriter } from '../../src/engine/side-files.ts';

export type FaultClass = 'write' | 'sync' | 'read';
/** What a plan fails: one class, or 'disk' for write and sync together. */
export type FaultTarget = FaultClass | 'disk';
export type FaultCode = 'ENOSPC' | 'EIO';

export interface FaultPlan {
  readonly on: FaultTarget;
  readonly code: FaultCode;
  /** The 1-based call of `on` that fails first. */
  readonly at: number;
  /** Keep failing every later call of that class (a full disk), or fail once (a glitch). */
  readonly persistent: boolean;
  /** Control tests only: throw the raw errno error, as a backend breaking its contract would. */
  readonly raw?: boolean;
}

export class FaultyBackend implements Backend {
  readonly #inner: Backend;
  #plan: FaultPlan | undefined;
  /** Calls so far per class (counted while armed or not). */
  readonly calls: Record<FaultTarget, number> = { write: 0, sync: 0, read: 0, disk: 0 };
  /** Every error thrown by injection, in order. */
  readonly injected: SynapsedError[] = [];

  constructor(inner: Backend, plan?: FaultPlan) {
    this.#inner = inner;
    this.#plan = plan;
  }

  get persistent(): boolean {
    return this.#inner.persistent;
  }
  get location(): string {
    return this.#inner.location;
  }

  /** Arms a plan; call counts restart from zero. */
  arm(plan: FaultPlan): void {
    this.#plan = plan;
    this.calls.write = this.calls.sync = this.calls.read = this.calls.disk = 0;
  }

  /** No more faults (space freed, disk replaced). */
  heal(): void {
    this.#plan = undefined;
  }

  /** True once the plan's first fault has fired. */
  get fired(): boolean {
    return this.injected.length > 0;
  }

  /** Counts a call of `kind`; returns the error to throw, if this call fails. */
  #fault(kind: FaultClass, operation: string): SynapsedError | undefined {
    this.calls[kind]++;
    if (kind !== 'read') this.calls.disk++;
    const plan = this.#plan;
    if (plan === undefined || (plan.on !== kind && (plan.on !== 'disk' || kind === 'read'))) return undefined;
    const n = this.calls[plan.on];
    if (n < plan.at || (!plan.persistent && n !== plan.at)) return undefined;
    const message = plan.code === 'ENOSPC' ? 'ENOSPC: no space left on device' : 'EIO: i/o error';
    const cause = Object.assign(new Error(`${message}, ${operation}`), { code: plan.code, errno: plan.code === 'ENOSPC' ? -28 : -5, syscall: operation });
    const error = plan.code === 'ENOSPC' ? new StorageFullError(operation, cause) : new IOError(operation, cause);
    this.injected.push(error);
    return plan.raw === true ? (cause as unknown as SynapsedError) : error;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const error = this.#fault('read', 'read');
    if (error !== undefined) throw error;
    return this.#inner.get(key);
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    const error = this.#fault('read', 'read');
    if (error !== undefined) throw error;
    return this.#inner.getSync(key);
  }

  async write(ops: readonly BackendOp[], sync: boolean): Promise<void> {
    if (!sync) {
      const error = this.#fault('write', 'write');
      if (error !== undefined) throw error;
      return this.#inner.write(ops, false);
    }
    const error = this.#fault('sync', 'write');
    // A failed fsync after the data reached the log: applied, and reported failed.
    await this.#inner.write(ops, error === undefined);
    if (error !== undefined) throw error;
  }

  async clear(range: BackendRange): Promise<void> {
    const error = this.#fault('write', 'write');
    if (error === undefined) return this.#inner.clear(range);
    const keys: Uint8Array[] = [];
    for await (const key of this.#inner.keys(range)) keys.push(key);
    const half = keys.slice(0, keys.length >>> 1);
    if (half.length > 0) await this.#inner.write(half.map((key) => ({ type: 'del', key })), false);
    throw error;
  }

  entries(range: BackendRange): AsyncIterable<[Uint8Array, Uint8Array]> {
    return this.#iterate(this.#inner.entries(range));
  }

  keys(range: BackendRange): AsyncIterable<Uint8Array> {
    return this.#iterate(this.#inner.keys(range));
  }

  async *#iterate<T>(source: AsyncIterable<T>): AsyncIterable<T> {
    const error = this.#fault('read', 'read');
    let n = 0;
    for await (const item of source) {
      // A read error part-way: the first entry arrives, then the failure.
      if (error !== undefined && n >= 1) throw error;
      yield item;
      n++;
    }
    if (error !== undefined) throw error;
  }

  compact(range: BackendRange): Promise<void> {
    return this.#inner.compact(range);
  }

  async readHeader(): Promise<Array<Uint8Array | undefined>> {
    const error = this.#fault('read', 'read header');
    if (error !== undefined) throw error;
    return this.#inner.readHeader();
  }

  async writeHeader(header: Uint8Array): Promise<void> {
    const error = this.#fault('sync', 'write header');
    await this.#inner.writeHeader(header);
    if (error !== undefined) throw error;
  }

  async readCloseMark(): Promise<Uint8Array | undefined> {
    const error = this.#fault('read', 'read close marker');
    if (error !== undefined) throw error;
    return this.#inner.readCloseMark();
  }

  async writeCloseMark(mark: Uint8Array | undefined): Promise<void> {
    const error = this.#fault('write', 'write close marker');
    if (error !== undefined) throw error;
    return this.#inner.writeCloseMark(mark);
  }

  sideFiles(area: string): SideFiles {
    const inner = this.#inner.sideFiles(area);
    const fault = (kind: FaultClass, operation: string): void => {
      const error = this.#fault(kind, operation);
      if (error !== undefined) throw error;
    };
    return {
      async create(name: string): Promise<SideFileWriter> {
        fault('write', 'create side file');
        const writer = await inner.create(name);
        return {
          get bytes() {
            return writer.bytes;
          },
          async append(pieces) {
            fault('write', 'write side file');
            await writer.append(pieces);
          },
          async commit() {
            fault('sync', 'sync side file');
            await writer.commit();
          },
          abort: () => writer.abort(),
        };
      },
      async open(name: string): Promise<SideFileReader | undefined> {
        fault('read', 'open side file');
        const reader = await inner.open(name);
        if (reader === undefined) return undefined;
        return {
          async read(offset, length) {
            fault('read', 'read side file');
            return reader.read(offset, length);
          },
          close: () => reader.close(),
        };
      },
      list: () => inner.list(),
      remove: (name: string) => inner.remove(name),
    };
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
