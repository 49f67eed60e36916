/**
 * `Store`: the public key-value API. Validates every argument (typed
 * errors naming the argument), owns the lifecycle (create, open, close,
 * lock), and delegates the work to the engine (engine/engine.ts).
 *
 * ```ts
 * const { store, recoveryCode } = await Store.create(dir, { passphrase })
 * await store.put('chat/alice/1', 'hello')
 * await store.get('chat/alice/1')              // Uint8Array
 * for await (const [k, v] of store.scan({ prefix: 'chat/alice/' })) {}
 * await store.close()
 * ```
 */
import { ClosedError, InvalidArgumentError, StoreExistsError, StoreNotFoundError } from '../errors.ts';
import { Keyring, type UnlockCredential } from '../keyring/keyring.ts';
import type { KdfCost } from '../keyring/kdf-params.ts';
import type { Random } from '../crypto/random.ts';
import type { Redacted } from '../crypto/redacted.ts';
import { mustInteger, mustOptions, mustSignal } from '../util/validate.ts';
import { openDiskBackend, openMemoryBackend, type Backend } from './backend.ts';
import { Engine, type EngineOptions } from './engine.ts';
import { readHeaderCopies } from './header-file.ts';
import { NAMESPACE, toDurability, type Durability } from './input.ts';
import { Keyspace } from './keyspace.ts';

export type { BatchOperation, TransactionOptions, WriteOptions } from './keyspace.ts';
import { rotateKey, type RotateOptions } from './rotate.ts';
import { verifyStore, type VerifyOptions, type VerifyReport } from './verify.ts';
import { NamedSnapshots } from './named-snapshots.ts';
import { registerStoreInternals } from './store-internals.ts';

/** Tuning shared by create, open and memory. */
export interface StoreOptions {
  /** Default durability of writes: 'relaxed' (default) survives a process crash, 'sync' also a power cut. */
  readonly durability?: Durability;
  /** Memtable size that triggers a flush to an encrypted run. Default 16 MiB. */
  readonly memtableBytes?: number;
  /** Target plaintext bytes per encrypted block. Default 16 KiB. */
  readonly blockBytes?: number;
  /** Values longer than this are stored as their own record. Default 4 KiB. */
  readonly largeValueBytes?: number;
  /** Decrypted-block cache. Default 64 MiB. */
  readonly cacheBytes?: number;
  /** Randomness source (tests). Default: the OS CSPRNG. */
  readonly random?: Random;
}

export interface CreateOptions extends StoreOptions {
  readonly passphrase: string | Uint8Array;
  /** Argon2id costs (at or above the floor). Default 64 MiB, t=3, p=4. */
  readonly kdf?: Partial<KdfCost>;
  readonly signal?: AbortSignal;
}

export type OpenOptions = StoreOptions & UnlockCredential & { readonly signal?: AbortSignal };

/** Figures for monitoring (see docs/operations.md). */
export interface StoreStats {
  readonly lastSeq: number;
  readonly runs: number;
  readonly memtableBytes: number;
  readonly cacheBytes: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly commits: number;
  readonly commitGroups: number;
  readonly flushes: number;
  readonly merges: number;
  readonly walBytes: number;
  readonly bytesFlushed: number;
  readonly bytesMerged: number;
  readonly keyEpoch: number;
}

const DEFAULTS = {
  memtableBytes: 16 * 1024 * 1024,
  blockBytes: 16 * 1024,
  largeValueBytes: 4 * 1024,
  cacheBytes: 64 * 1024 * 1024,
};
/** Memtables smaller than this are left to WAL replay at the next open instead of flushed at close. */
const FLUSH_AT_CLOSE_ABOVE = 1024 * 1024;

function engineOptions(o: Partial<StoreOptions>): EngineOptions {
  const size = (name: keyof typeof DEFAULTS, min: number, max: number): number => {
    const value = o[name];
    return value === undefined ? DEFAULTS[name] : mustInteger(`options.${name}`, value, min, max);
  };
  if (o.random !== undefined && typeof o.random !== 'function') throw new InvalidArgumentError('options.random', 'a function', o.random);
  return {
    memtableBytes: size('memtableBytes', 4096, 1024 * 1024 * 1024),
    blockBytes: size('blockBytes', 256, 1024 * 1024),
    largeValueBytes: size('largeValueBytes', 64, 16 * 1024 * 1024),
    cacheBytes: size('cacheBytes', 0, 16 * 1024 * 1024 * 1024),
    random: o.random,
  };
}

function mustDir(dir: unknown): string {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('dir', 'a non-empty directory path', dir);
  return dir;
}

/** An encrypted, ordered key-value store. */
export class Store extends Keyspace implements AsyncDisposable {
  readonly #backend: Backend;
  readonly #engine: Engine;
  readonly #random: Random | undefined;
  #closing: Promise<void> | undefined;
  readonly #closeHooks: Array<() => Promise<void>> = [];
  /** Named snapshots that survive reopen: create, list, get, delete. */
  readonly snapshots: NamedSnapshots;

  private constructor(backend: Backend, engine: Engine, durability: Durability, random: Random | undefined) {
    // The closing flag is read through this callback; it is set only after construction.
    super(engine, NAMESPACE.USER, durability, () => this.#check());
    this.#backend = backend;
    this.#engine = engine;
    this.#random = random;
    this.snapshots = new NamedSnapshots(engine, () => this.#check());
    registerStoreInternals(this, {
      sideFiles: (area) => backend.sideFiles(area),
      get storeId() {
        return engine.cipher.keyring.storeId;
      },
      random,
      persistent: backend.persistent,
      check: () => this.#check(),
      onClose: (hook) => {
        this.#closeHooks.push(hook);
      },
    });
  }

  /**
   * Creates a new store in `dir` (created if missing).
   * @returns the store and its recovery code: show it to the user once; it unlocks the store if the passphrase is lost.
   * @throws {StoreExistsError} `dir` already holds a store.
   * @throws {StoreLockedError} another process holds the directory.
   * @throws {InvalidArgumentError} a bad passphrase, KDF cost or option.
   */
  static async create(dir: string, options: CreateOptions): Promise<{ store: Store; recoveryCode: Redacted<string> }> {
    const path = mustDir(dir);
    const opts = mustOptions<CreateOptions>('options', options);
    const tuning = engineOptions(opts);
    const durability = toDurability(opts.durability, 'relaxed');
    if ((await readHeaderCopies(path).catch(() => [undefined])).some((c) => c !== undefined)) throw new StoreExistsError(path);
    const { keyring, recoveryCode } = await Keyring.create({
      passphrase: opts.passphrase as string, ...(opts.kdf === undefined ? {} : { kdf: opts.kdf }),
      ...(opts.random === undefined ? {} : { random: opts.random }), ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    const backend = await openDiskBackend(path);
    try {
      if ((await backend.readHeader()).some((c) => c !== undefined)) throw new StoreExistsError(path);
      await backend.writeHeader(keyring.header());
      const engine = await Engine.open(backend, keyring, tuning);
      return { store: new Store(backend, engine, durability, opts.random), recoveryCode };
    } catch (error) {
      await backend.close().catch(() => undefined);
      keyring.wipe();
      throw error;
    }
  }

  /**
   * Opens the store in `dir` with `{ passphrase }` or `{ recoveryCode }`.
   * @throws {StoreNotFoundError} no store in `dir`.
   * @throws {WrongPassphraseError} the credential does not unlock it (retrying with the right one works).
   * @throws {StoreLockedError} another process or handle has it open.
   * @throws {IntegrityError} damaged header, manifest, run index or WAL.
   */
  static async open(dir: string, options: OpenOptions): Promise<Store> {
    const path = mustDir(dir);
    const opts = mustOptions<OpenOptions>('options', options);
    const tuning = engineOptions(opts);
    const durability = toDurability(opts.durability, 'relaxed');
    const signal = mustSignal('options.signal', opts.signal);
    const credential = credentialOf(opts);
    if ((await readHeaderCopies(path).catch(() => [undefined])).every((c) => c === undefined)) throw new StoreNotFoundError(path);
    const backend = await openDiskBackend(path);
    let keyring: Keyring | undefined;
    try {
      const unlocked = await Keyring.unlock(await backend.readHeader(), credential, signal === undefined ? {} : { signal });
      keyring = unlocked.keyring;
      if (unlocked.repaired) await backend.writeHeader(keyring.header());
      const engine = await Engine.open(backend, keyring, tuning);
      return new Store(backend, engine, durability, opts.random);
    } catch (error) {
      await backend.close().catch(() => undefined);
      keyring?.wipe();
      throw error;
    }
  }

  /** A memory-only store: same API and encryption, nothing on disk, gone on close. */
  static async memory(options?: StoreOptions): Promise<Store> {
    const opts = mustOptions<StoreOptions>('options', options);
    const tuning = engineOptions(opts);
    const durability = toDurability(opts.durability, 'relaxed');
    const keyring = await Keyring.createEphemeral(opts.random);
    const backend = await openMemoryBackend();
    await backend.writeHeader(keyring.header());
    const engine = await Engine.open(backend, keyring, tuning);
    return new Store(backend, engine, durability, opts.random);
  }

  #check(): void {
    if (this.#closing !== undefined || this.#engine.closed) throw new ClosedError('store');
  }

  /** Where the store lives (':memory:' for memory stores). */
  get location(): string {
    return this.#backend.location;
  }

  /** True for a store on disk, false for a memory store. */
  get persistent(): boolean {
    return this.#backend.persistent;
  }

  /**
   * Changes the passphrase: verifies `oldPassphrase`, then rewrites only the
   * header (data keys are untouched, so this is instant at any store size).
   * @throws {WrongPassphraseError} `oldPassphrase` is wrong.
   */
  async changePassphrase(oldPassphrase: string | Uint8Array, newPassphrase: string | Uint8Array, options?: { kdf?: Partial<KdfCost>; signal?: AbortSignal }): Promise<void> {
    const opts = mustOptions<{ kdf?: Partial<KdfCost>; signal?: AbortSignal }>('options', options);
    this.#check();
    if (!this.#backend.persistent) throw new InvalidArgumentError('store', 'a store on disk (memory stores have no passphrase)', 'memory store');
    await this.#engine.exclusive(async () => {
      const header = this.#engine.cipher.keyring.header();
      // Proves the caller knows the current passphrase (a stolen unlocked session alone cannot change it).
      const { keyring: verified } = await Keyring.unlock([header], { passphrase: oldPassphrase }, opts.signal === undefined ? {} : { signal: opts.signal });
      verified.wipe();
      const next = await this.#engine.cipher.keyring.changePassphrase(newPassphrase, {
        ...(opts.kdf === undefined ? {} : { kdf: opts.kdf }), ...(this.#random === undefined ? {} : { random: this.#random }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      await this.#backend.writeHeader(next.header());
      this.#engine.cipher.setKeyring(next);
    });
  }

  /** Replaces the recovery code; the old one stops working. Show the new one to the user once. */
  async resetRecoveryCode(): Promise<Redacted<string>> {
    this.#check();
    return this.#engine.exclusive(async () => {
      const { keyring, recoveryCode } = this.#engine.cipher.keyring.resetRecoveryCode(this.#random === undefined ? {} : { random: this.#random });
      await this.#backend.writeHeader(keyring.header());
      this.#engine.cipher.setKeyring(keyring);
      return recoveryCode;
    });
  }

  /**
   * Starts a new key epoch for new writes, re-encrypts every stored record
   * under it in the background of this call, then destroys the old data key.
   * Commits and reads continue meanwhile. Safe to interrupt (abort, crash):
   * records carry their epoch, and a later call finishes the job.
   */
  async rotateKey(options?: RotateOptions): Promise<void> {
    const opts = mustOptions<RotateOptions>('options', options);
    mustSignal('options.signal', opts.signal);
    if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new InvalidArgumentError('options.onProgress', 'a function', opts.onProgress);
    this.#check();
    await rotateKey(this.#engine, this.#backend, opts, this.#random);
  }

  /**
   * Reads and authenticates every stored record (header copies, manifest,
   * WAL, run indexes, blocks, large values) and reports what is damaged and
   * which key ranges it affects. Changes nothing; writes may continue.
   */
  async verify(options?: VerifyOptions): Promise<VerifyReport> {
    const opts = mustOptions<VerifyOptions>('options', options);
    mustSignal('options.signal', opts.signal);
    if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new InvalidArgumentError('options.onProgress', 'a function', opts.onProgress);
    this.#check();
    return this.#engine.exclusive(() => verifyStore(this.#engine, this.#backend, opts));
  }

  /** Writes the memtable to an encrypted run now (normally automatic). */
  async flush(): Promise<void> {
    this.#check();
    await this.#engine.flush();
  }

  /** Counters and sizes for monitoring. */
  stats(): StoreStats {
    const s = this.#engine.stats;
    const internals = this.#engine.internals;
    return {
      lastSeq: this.#engine.lastSeq, runs: internals.runs.length, memtableBytes: internals.activeBytes,
      cacheBytes: this.#engine.cache.bytes, cacheHits: this.#engine.cache.hits, cacheMisses: this.#engine.cache.misses,
      commits: s.commits, commitGroups: s.groups, flushes: s.flushes, merges: s.merges, walBytes: s.walBytes,
      bytesFlushed: s.bytesFlushed, bytesMerged: s.bytesMerged, keyEpoch: this.#engine.cipher.keyring.currentEpoch,
    };
  }

  /** Finishes pending writes, closes snapshots and the database, wipes keys. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Upper layers first (blob streams release their files), each on its own: one failing must not keep the store open.
      await Promise.allSettled(this.#closeHooks.map((hook) => hook()));
      await this.#engine.close({ flushAbove: FLUSH_AT_CLOSE_ABOVE });
      await this.#backend.close();
      this.#engine.cipher.keyring.wipe();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function credentialOf(opts: Partial<OpenOptions>): UnlockCredential {
  const o = opts as { passphrase?: unknown; recoveryCode?: unknown };
  if (o.passphrase !== undefined && o.recoveryCode !== undefined) throw new InvalidArgumentError('options', 'either passphrase or recoveryCode, not both', 'both');
  if (o.recoveryCode !== undefined) return { recoveryCode: o.recoveryCode as string };
  if (o.passphrase === undefined) throw new InvalidArgumentError('options.passphrase', 'a passphrase (or options.recoveryCode)', undefined);
  return { passphrase: o.passphrase as string };
}

