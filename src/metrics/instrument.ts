/**
 * `instrumentStore(store)`: the store's figures as OpenTelemetry metrics.
 *
 * Subscribes to the engine's generic observer hook (engine/observer.ts)
 * and records through `@opentelemetry/api`, which is a no-op until the
 * application registers an SDK (`metrics.setGlobalMeterProvider`) or passes
 * `meterProvider`. The same figures are kept as plain numbers, so
 * `snapshot()` answers without any SDK.
 *
 * | instrument                      | kind               | unit | attributes                                            |
 * |---------------------------------|--------------------|------|-------------------------------------------------------|
 * | synapsed.operations             | counter            | {operation} | synapsed.operation, synapsed.namespace, synapsed.outcome |
 * | synapsed.operation.duration     | histogram          | s    | synapsed.operation, synapsed.namespace, error.type?   |
 * | synapsed.io.read                | counter            | By   | (key and value bytes handed to callers)               |
 * | synapsed.io.written             | counter            | By   | (key and value bytes committed, before encryption)    |
 * | synapsed.commits                | counter            | {commit} | synapsed.durability                               |
 * | synapsed.commit.duration        | histogram          | s    | synapsed.durability (one group commit), error.type?   |
 * | synapsed.wal.written            | counter            | By   | (sealed WAL bytes appended)                           |
 * | synapsed.background.duration    | histogram          | s    | synapsed.job: flush, merge                            |
 * | synapsed.background.written     | counter            | By   | synapsed.job                                          |
 * | synapsed.wal.size               | observable gauge   | By   | (sealed WAL bytes not yet flushed into a run)         |
 * | synapsed.memtable.size          | observable gauge   | By   |                                                       |
 * | synapsed.runs                   | observable gauge   | {run} |                                                      |
 * | synapsed.cache.size             | observable gauge   | By   | (decrypted blocks held)                               |
 * | synapsed.cache.requests         | observable counter | {request} | synapsed.cache.result: hit, miss                 |
 * | synapsed.cache.hit_ratio        | observable gauge   | 1    |                                                       |
 * | synapsed.key.epoch              | observable gauge   | {epoch} |                                                    |
 *
 * Every figure also carries `options.attributes` (e.g. a store name).
 * Operations of the layers above the KV API (documents, time series) show
 * up under their namespace, since they run on keyspaces of the same store.
 * Invariant: disposing stops every recording of this handle; instruments
 * themselves cannot be removed from an OpenTelemetry meter, they just stop
 * moving. Closing the store disposes the handle.
 */
import { metrics, type Attributes, type Histogram, type Counter, type MeterProvider, type Observable, type BatchObservableResult } from '@opentelemetry/api';
import { InvalidArgumentError } from '../errors.ts';
import { NAMESPACE, type Namespace } from '../engine/input.ts';
import { observersOf, type BackgroundEvent, type CommitEvent, type ObservedOperation, type OperationEvent } from '../engine/observer.ts';
import type { Store, StoreStats } from '../engine/storage.ts';
import { storeInternals } from '../engine/store-internals.ts';
import { mustOptions } from '../util/validate.ts';

export interface InstrumentOptions {
  /** Where to record. Default: the global provider (`metrics.getMeterProvider()`), a no-op until an SDK is registered. */
  readonly meterProvider?: MeterProvider;
  /** Attributes added to every figure, e.g. `{ 'synapsed.store': 'chat' }`. */
  readonly attributes?: Attributes;
}

/** Count and latency of one kind of call. */
export interface LatencyFigures {
  readonly count: number;
  readonly errors: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

/** What `snapshot()` returns: plain numbers since `instrumentStore`, plus the store's own counters. */
export interface MetricsSnapshot {
  /** Public operations, every namespace together. */
  readonly operations: Readonly<Record<ObservedOperation, LatencyFigures>>;
  /** Group commits: each a LevelDB write of one or more commits. */
  readonly commitGroups: LatencyFigures;
  readonly commits: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly walBytesWritten: number;
  readonly flushes: LatencyFigures & { readonly bytes: number };
  readonly merges: LatencyFigures & { readonly bytes: number };
  /** Sealed WAL bytes not yet flushed into a run. */
  readonly walBytes: number;
  /** Block-cache hits over lookups since the store opened; undefined before any lookup. */
  readonly cacheHitRatio: number | undefined;
  /** `store.stats()` at the time of the snapshot. */
  readonly store: StoreStats;
}

/** A live instrumentation; dispose it (or close the store) to stop recording. */
export interface StoreInstrumentation extends Disposable {
  /** The figures so far, as plain numbers (no SDK needed). */
  snapshot(): MetricsSnapshot;
  /** Stops recording. Idempotent. */
  dispose(): void;
}

const OPERATIONS: readonly ObservedOperation[] = ['put', 'get', 'getMany', 'has', 'delete', 'batch', 'scan', 'transaction'];
/** Latency buckets in seconds: 1 µs to 10 s (cache hits are microseconds, fsyncs milliseconds). */
const BUCKETS_S = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const NAMESPACE_NAMES = new Map<number, string>(Object.entries(NAMESPACE).map(([name, byte]) => [byte, name.toLowerCase()]));

/** Running count, errors, total and max of durations. */
class Latency {
  count = 0;
  errors = 0;
  totalMs = 0;
  maxMs = 0;
  bytes = 0;
  add(ms: number, failed: boolean): void {
    this.count++;
    if (failed) this.errors++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }
  figures(): LatencyFigures {
    return { count: this.count, errors: this.errors, totalMs: this.totalMs, maxMs: this.maxMs };
  }
}

function namespaceName(ns: Namespace): string {
  return NAMESPACE_NAMES.get(ns) ?? String(ns);
}

/**
 * Records the store's operations, commits, I/O, cache and background work
 * as OpenTelemetry metrics (a no-op until an SDK is registered) and as
 * plain figures (`snapshot()`).
 *
 * ```ts
 * const metricsHandle = instrumentStore(store, { attributes: { 'synapsed.store': 'chat' } })
 * await store.put('k', 'v')
 * metricsHandle.snapshot().operations.put.count   // 1
 * metricsHandle.dispose()
 * ```
 * @throws {InvalidArgumentError} `store` is not a Store, or a bad option.
 */
export function instrumentStore(store: Store, options?: InstrumentOptions): StoreInstrumentation {
  const observers = observersOf(store);
  const internals = storeInternals(store);
  if (observers === undefined || internals === undefined) throw new InvalidArgumentError('store', 'a Store', store);
  const opts = mustOptions<InstrumentOptions>('options', options);
  const provider = opts.meterProvider ?? metrics.getMeterProvider();
  if (provider === null || typeof provider !== 'object' || typeof (provider as MeterProvider).getMeter !== 'function') {
    throw new InvalidArgumentError('options.meterProvider', 'an OpenTelemetry MeterProvider', provider);
  }
  if (opts.attributes !== undefined && (opts.attributes === null || typeof opts.attributes !== 'object')) {
    throw new InvalidArgumentError('options.attributes', 'an object of attributes', opts.attributes);
  }
  const base: Attributes = { ...opts.attributes };
  const meter = provider.getMeter('synapsed-storage');
  const histogram = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: BUCKETS_S } });
  const counter = (name: string, description: string, unit: string): Counter => meter.createCounter(name, { description, unit });

  const operationCount = counter('synapsed.operations', 'Public store operations, by operation, namespace and outcome', '{operation}');
  const operationDuration = histogram('synapsed.operation.duration', 'Latency of public store operations');
  const bytesReadCounter = counter('synapsed.io.read', 'Key and value bytes handed back to callers', 'By');
  const bytesWrittenCounter = counter('synapsed.io.written', 'Key and value bytes committed (plaintext, before encryption)', 'By');
  const commitCount = counter('synapsed.commits', 'Commits (each a put, delete, batch or transaction that wrote)', '{commit}');
  const commitDuration = histogram('synapsed.commit.duration', 'Latency of one group commit (WAL write, fsync when sync, memtable apply)');
  const walWritten = counter('synapsed.wal.written', 'Sealed WAL bytes appended to LevelDB', 'By');
  const backgroundDuration = histogram('synapsed.background.duration', 'Duration of flushes and merges');
  const backgroundWritten = counter('synapsed.background.written', 'Bytes of runs written by flushes and merges', 'By');

  const walSize = meter.createObservableGauge('synapsed.wal.size', { description: 'Sealed WAL bytes not yet flushed into a run', unit: 'By' });
  const memtableSize = meter.createObservableGauge('synapsed.memtable.size', { description: 'Plaintext bytes in the active memtable', unit: 'By' });
  const runCount = meter.createObservableGauge('synapsed.runs', { description: 'Live encrypted runs', unit: '{run}' });
  const cacheSize = meter.createObservableGauge('synapsed.cache.size', { description: 'Decrypted blocks held in the cache', unit: 'By' });
  const cacheRequests = meter.createObservableCounter('synapsed.cache.requests', { description: 'Block-cache lookups by result', unit: '{request}' });
  const cacheHitRatio = meter.createObservableGauge('synapsed.cache.hit_ratio', { description: 'Block-cache hits over lookups since open', unit: '1' });
  const keyEpoch = meter.createObservableGauge('synapsed.key.epoch', { description: 'Current data-key epoch', unit: '{epoch}' });
  const observables: Observable[] = [walSize, memtableSize, runCount, cacheSize, cacheRequests, cacheHitRatio, keyEpoch];

  const ops = new Map<ObservedOperation, Latency>(OPERATIONS.map((op) => [op, new Latency()]));
  const groups = new Latency();
  const flushes = new Latency();
  const merges = new Latency();
  const totals = { commits: 0, bytesRead: 0, bytesWritten: 0, walBytesWritten: 0 };
  const attrCache = new Map<string, Attributes>();
  const attrs = (key: string, make: () => Attributes): Attributes => {
    let a = attrCache.get(key);
    if (a === undefined) attrCache.set(key, (a = { ...base, ...make() }));
    return a;
  };

  const removeObserver = observers.add({
    operation(e: OperationEvent): void {
      ops.get(e.op)?.add(e.durationMs, e.error !== undefined);
      totals.bytesRead += e.bytesRead;
      const ns = namespaceName(e.namespace);
      const outcome = e.error === undefined ? 'ok' : 'error';
      operationCount.add(1, attrs(`o|${e.op}|${ns}|${outcome}`, () => ({ 'synapsed.operation': e.op, 'synapsed.namespace': ns, 'synapsed.outcome': outcome })));
      operationDuration.record(e.durationMs / 1000, attrs(`d|${e.op}|${ns}|${e.error ?? ''}`, () => ({
        'synapsed.operation': e.op, 'synapsed.namespace': ns, ...(e.error === undefined ? {} : { 'error.type': e.error }),
      })));
      if (e.bytesRead > 0) bytesReadCounter.add(e.bytesRead, base);
    },
    commit(e: CommitEvent): void {
      groups.add(e.durationMs, e.error !== undefined);
      const durability = e.sync ? 'sync' : 'relaxed';
      commitDuration.record(e.durationMs / 1000, attrs(`c|${durability}|${e.error ?? ''}`, () => ({
        'synapsed.durability': durability, ...(e.error === undefined ? {} : { 'error.type': e.error }),
      })));
      if (e.error !== undefined) return;
      totals.commits += e.commits;
      totals.bytesWritten += e.bytes;
      totals.walBytesWritten += e.walBytes;
      commitCount.add(e.commits, attrs(`n|${durability}`, () => ({ 'synapsed.durability': durability })));
      bytesWrittenCounter.add(e.bytes, base);
      walWritten.add(e.walBytes, base);
    },
    background(e: BackgroundEvent): void {
      const figures = e.kind === 'flush' ? flushes : merges;
      figures.add(e.durationMs, false);
      figures.bytes += e.bytes;
      const a = attrs(`b|${e.kind}`, () => ({ 'synapsed.job': e.kind }));
      backgroundDuration.record(e.durationMs / 1000, a);
      backgroundWritten.add(e.bytes, a);
    },
  });

  const observe = (result: BatchObservableResult): void => {
    const s = store.stats();
    const lookups = s.cacheHits + s.cacheMisses;
    const gauge = (o: Observable, value: number, a: Attributes = base): void => result.observe(o, value, a);
    gauge(walSize, observers.sample().walBytes);
    gauge(memtableSize, s.memtableBytes);
    gauge(runCount, s.runs);
    gauge(cacheSize, s.cacheBytes);
    gauge(cacheRequests, s.cacheHits, attrs('cache|hit', () => ({ 'synapsed.cache.result': 'hit' })));
    gauge(cacheRequests, s.cacheMisses, attrs('cache|miss', () => ({ 'synapsed.cache.result': 'miss' })));
    if (lookups > 0) gauge(cacheHitRatio, s.cacheHits / lookups);
    gauge(keyEpoch, s.keyEpoch);
  };
  meter.addBatchObservableCallback(observe, observables);

  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    removeObserver();
    meter.removeBatchObservableCallback(observe, observables);
  };
  internals.onClose(async () => dispose());

  return {
    snapshot(): MetricsSnapshot {
      const s = store.stats();
      const lookups = s.cacheHits + s.cacheMisses;
      const operations = Object.fromEntries(OPERATIONS.map((op) => [op, (ops.get(op) as Latency).figures()])) as Record<ObservedOperation, LatencyFigures>;
      return {
        operations, commitGroups: groups.figures(), ...totals,
        flushes: { ...flushes.figures(), bytes: flushes.bytes }, merges: { ...merges.figures(), bytes: merges.bytes },
        walBytes: observers.sample().walBytes, cacheHitRatio: lookups === 0 ? undefined : s.cacheHits / lookups, store: s,
      };
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

