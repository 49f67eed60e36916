/**
 * Engine observers: a generic hook that reports what the engine does
 * (public operations, commit groups, flushes and merges) to whoever
 * listens, so metrics and tracing can wrap the engine from above without
 * the engine knowing them (metrics/ subscribes; the engine imports nothing
 * of it, nor of OpenTelemetry).
 *
 * Cost when nobody listens: one boolean test per operation (`active`),
 * no clock read, no allocation. With a listener: two `performance.now()`
 * calls and one small event object per operation.
 *
 * Invariants: events are reported after the fact (an operation's outcome
 * is known); an observer that throws is removed and reported as a process
 * warning, because an observer must never change the result of a write
 * that already committed. `observersOf(keyspace)` finds the hub of any
 * keyspace (the Store included) through a module-private registry, so the
 * public classes keep no extra members.
 */
import { SynapsedError } from '../errors.ts';
import type { Namespace } from './input.ts';

/** Public operations of a keyspace (`Store` included) that are reported. */
export type ObservedOperation = 'put' | 'get' | 'getMany' | 'has' | 'delete' | 'batch' | 'scan' | 'transaction';

/** One public operation, once it finished. */
export interface OperationEvent {
  readonly op: ObservedOperation;
  /** The namespace of the keyspace it ran on (NAMESPACE.USER for the store's own KV). */
  readonly namespace: Namespace;
  /** Wall time inside the call; for `scan`, time spent producing entries (not the caller's loop body). */
  readonly durationMs: number;
  /** The error code (`SYN_*`, or 'error' for an untyped failure); undefined on success. */
  readonly error: string | undefined;
  /** Key and value bytes handed back to the caller. */
  readonly bytesRead: number;
  /** Entries handed back (a get that found its key: 1; a scan: its entry count). */
  readonly entries: number;
  /** Attempts a transaction took (1 without conflicts); 0 for other operations. */
  readonly attempts: number;
}

/** One commit group: concurrent commits written as one LevelDB batch. */
export interface CommitEvent {
  /** From the start of the group's write to its commits being visible. */
  readonly durationMs: number;
  /** Commits in the group that were accepted (conflicting transactions excluded). */
  readonly commits: number;
  /** Write operations (puts and deletes) in those commits. */
  readonly operations: number;
  /** Key and value bytes those operations carry (plaintext, before encryption). */
  readonly bytes: number;
  /** Sealed WAL bytes appended to LevelDB. */
  readonly walBytes: number;
  /** True when the group was fsynced (some commit asked for `durability: 'sync'`). */
  readonly sync: boolean;
  /** The error code when the group's write failed. */
  readonly error: string | undefined;
}

/** A background job: a memtable flushed into a run, or runs merged into one. */
export interface BackgroundEvent {
  readonly kind: 'flush' | 'merge';
  readonly durationMs: number;
  /** Bytes of the run written. */
  readonly bytes: number;
  /** Entries in the run written. */
  readonly entries: number;
}

/** Figures read on demand (gauges), beyond `store.stats()`. */
export interface EngineSample {
  /** Sealed bytes of the WAL records still on disk (commits not yet flushed into a run). */
  readonly walBytes: number;
}

/** What a listener may implement; every method is optional. */
export interface EngineObserver {
  operation?(event: OperationEvent): void;
  commit?(event: CommitEvent): void;
  background?(event: BackgroundEvent): void;
}

/** The error code of a failure, for events. */
export function errorCode(error: unknown): string {
  return error instanceof SynapsedError ? error.code : 'error';
}

/** The hub one engine reports to. */
export class Observers {
  #list: EngineObserver[] = [];
  readonly #sample: () => EngineSample;
  /** True while at least one observer listens: hot paths test this before timing anything. */
  active = false;

  constructor(sample: () => EngineSample) {
    this.#sample = sample;
  }

  /** Adds a listener; returns the function that removes it (idempotent). */
  add(observer: EngineObserver): () => void {
    this.#list = [...this.#list, observer];
    this.active = true;
    return () => this.#remove(observer);
  }

  #remove(observer: EngineObserver): void {
    this.#list = this.#list.filter((o) => o !== observer);
    this.active = this.#list.length > 0;
  }

  /** Figures read on demand. */
  sample(): EngineSample {
    return this.#sample();
  }

  operation(event: OperationEvent): void {
    for (const o of this.#list) if (o.operation !== undefined) this.#call(o, () => o.operation?.(event));
  }

  commit(event: CommitEvent): void {
    for (const o of this.#list) if (o.commit !== undefined) this.#call(o, () => o.commit?.(event));
  }

  background(event: BackgroundEvent): void {
    for (const o of this.#list) if (o.background !== undefined) this.#call(o, () => o.background?.(event));
  }

  #call(observer: EngineObserver, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#remove(observer);
      process.emitWarning(`synapsed-storage: an engine observer threw and was removed: ${String(error)}`, 'SynapsedObserverWarning');
    }
  }
}

const registry = new WeakMap<object, Observers>();

/** @internal Called by the Keyspace constructor. */
export function registerObservers(keyspace: object, observers: Observers): void {
  registry.set(keyspace, observers);
}

/** The observer hub of a Store or keyspace, or undefined for anything else. */
export function observersOf(keyspace: unknown): Observers | undefined {
  return typeof keyspace === 'object' && keyspace !== null ? registry.get(keyspace) : undefined;
}
