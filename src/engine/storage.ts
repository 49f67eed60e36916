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
 *
 * Ways in (key-slots.ts): `{ passphrase }`, `{ recoveryCode }`, `{ key }` (a
 * raw 32-byte key from the app: no KDF, opens in milliseconds) or
 * `{ keyProvider }`; `store.keySlots` adds and removes them. `lock()` wipes
 * every key from memory until `unlock(...)`; `autoLock` does it when idle.
 * A store of an older header layout is upgraded on open (the header only),
 * unless opened with `readOnly: true`, which writes nothing at all.
 */
import { ClosedError, IntegrityError, InvalidArgumentError, ReadOnlyError, StoreExistsError, StoreNotFoundError, UnlockRequiredError } from '../errors.ts';
import { Keyring } from '../keyring/keyring.ts';
import { HEADER_V2 } from '../keyring/header.ts';
import { equalBytes } from '../util/bytes.ts';
import type { KdfCost } from '../keyring/kdf-params.ts';
import type { Random } from '../crypto/random.ts';
import type { Redacted } from '../crypto/redacted.ts';
import { mustCallback, mustInteger, mustOptions, mustSignal } from '../util/validate.ts';
import { AutoLock, mustAutoLock, type AutoLockOptions } from './auto-lock.ts';
import { KeySlots, obtainCredential, pickCredential, type OpenCredential } from './key-slots.ts';
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

/** Options about keys and locking, shared by create and open. */
export interface KeyAccessOptions {
  /** Lock the store (wipe its keys) after this much inactivity; `unlock` resumes. */
  readonly autoLock?: AutoLockOptions;
  /** Milliseconds since the Unix epoch, for slot creation times and auto-lock. Default `Date.now`. */
  readonly clock?: () => number;
}

/** At least one of `passphrase` and `key`; a recovery-code slot is always made too. */
export interface CreateOptions extends StoreOptions, KeyAccessOptions {
  readonly passphrase?: string | Uint8Array;
  /** A raw 32-byte key from the app (OS keychain, `safeStorage`, hardware token): a slot that opens with no KDF. */
  readonly key?: Uint8Array;
  /** Argon2id costs (at or above the floor). Default 64 MiB, t=3, p=4. */
  readonly kdf?: Partial<KdfCost>;
  readonly signal?: AbortSignal;
}

/** Progress of the upgrade of an older store on open. */
export interface UpgradeProgress {
  /** Header layout found on disk. */
  readonly from: number;
  /** Header layout written. */
  readonly to: number;
  readonly done: number;
  readonly total: number;
}

export type OpenOptions = StoreOptions & KeyAccessOptions & OpenCredential & {
  readonly signal?: AbortSignal;
  /** Open without writing anything: no upgrade, no clean-up, no writes (`ReadOnlyError`). */
  readonly readOnly?: boolean;
  /** Reports the upgrade of a store written by an older version (only called when there is one). */
  readonly onProgress?: (progress: UpgradeProgress) => void;
};

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
  readonly #clock: (() => number) | undefined;
  readonly #readOnly: boolean;
  readonly #storeId: Uint8Array;
  #autoLock: AutoLock | undefined;
  /** Lock and unlock, one at a time. */
  #keyOps: Promise<unknown> = Promise.resolve();
  /** Set the moment `lock()` is called (the engine locks once earlier key operations finish); cleared by `unlock`. */
  #lockRequested: 'manual' | 'idle' | undefined;
  #closing: Promise<void> | undefined;
  readonly #closeHooks: Array<() => Promise<void>> = [];
  /** Named snapshots that survive reopen: create, list, get, delete. */
  readonly snapshots: NamedSnapshots;
  /** The ways into this store: list, add, remove (key-slots.ts). */
  readonly keySlots: KeySlots;

  private constructor(backend: Backend, engine: Engine, durability: Durability, access: StoreAccess) {
    // The closing flag is read through this callback; it is set only after construction.
    super(engine, NAMESPACE.USER, durability, () => this.#check());
    const { random, clock, readOnly, autoLock } = access;
    this.#backend = backend;
    this.#engine = engine;
    this.#random = random;
    this.#clock = clock;
    this.#readOnly = readOnly;
    this.#storeId = engine.cipher.keyring.storeId.slice();
    this.snapshots = new NamedSnapshots(engine, () => this.#check());
    this.keySlots = new KeySlots({ engine, backend, random, clock, readOnly, check: () => this.#check() });
    if (autoLock !== undefined) {
      this.#autoLock = new AutoLock(autoLock.idleMs, clock ?? Date.now, () =>
        this.#lockWith('idle').then(
          () => {
            try {
              autoLock.onLock?.();
            } catch {
              // Documented: the application's callback cannot break the lock.
            }
          },
          (error: unknown) => {
            this.#engine.backgroundError = error;
          },
        ),
      );
      this.#autoLock.start();
    }
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
    const access = accessOptions(opts, false);
    if ((await readHeaderCopies(path).catch(() => [undefined])).some((c) => c !== undefined)) throw new StoreExistsError(path);
    const { keyring, recoveryCode } = await Keyring.create({
      ...(opts.passphrase === undefined ? {} : { passphrase: opts.passphrase }), ...(opts.key === undefined ? {} : { key: opts.key }),
      ...(opts.kdf === undefined ? {} : { kdf: opts.kdf }), ...(opts.clock === undefined ? {} : { clock: opts.clock }),
      ...(opts.random === undefined ? {} : { random: opts.random }), ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    const backend = await openDiskBackend(path);
    try {
      if ((await backend.readHeader()).some((c) => c !== undefined)) throw new StoreExistsError(path);
      await backend.writeHeader(keyring.header());
      const engine = await Engine.open(backend, keyring, tuning);
      return { store: new Store(backend, engine, durability, access), recoveryCode };
    } catch (error) {
      await backend.close().catch(() => undefined);
      keyring.wipe();
      throw error;
    }
  }

  /**
   * Opens the store in `dir` with `{ passphrase }`, `{ recoveryCode }`, `{ key }` or `{ keyProvider }`.
   * A store written by an older version is upgraded (its header only; crash-safe: either layout opens),
   * reporting `onProgress`; with `readOnly: true` nothing is written and writes throw `ReadOnlyError`.
   * @throws {StoreNotFoundError} no store in `dir`.
   * @throws {WrongPassphraseError} the credential opens no key slot (`credential` says which kind; retrying with the right one works).
   * @throws {StoreLockedError} another process or handle has it open.
   * @throws {IntegrityError} damaged header, manifest, run index or WAL.
   */
  static async open(dir: string, options: OpenOptions): Promise<Store> {
    const path = mustDir(dir);
    const opts = mustOptions<OpenOptions>('options', options);
    const readOnly = opts.readOnly === undefined ? false : mustBoolean('options.readOnly', opts.readOnly);
    const tuning = { ...engineOptions(opts), readOnly };
    const durability = toDurability(opts.durability, 'relaxed');
    const signal = mustSignal('options.signal', opts.signal);
    const onProgress = mustCallback<(p: UpgradeProgress) => void>('options.onProgress', opts.onProgress);
    const access = accessOptions(opts, readOnly);
    const picked = pickCredential(opts);
    if ((await readHeaderCopies(path).catch(() => [undefined])).every((c) => c === undefined)) throw new StoreNotFoundError(path);
    // A key provider (a keychain prompt, a network call) runs only once a store is known to be there.
    const credential = await obtainCredential(picked);
    const backend = await openDiskBackend(path);
    let keyring: Keyring | undefined;
    try {
      const unlocked = await Keyring.unlock(await backend.readHeader(), credential, signal === undefined ? {} : { signal });
      keyring = unlocked.keyring;
      const from = keyring.upgradeFrom;
      if (!readOnly && from !== undefined) {
        // The upgrade rewrites the header only (two copies, one after the other): a crash leaves a copy of either layout, and both open.
        onProgress?.({ from, to: HEADER_V2, done: 0, total: 1 });
        await backend.writeHeader(keyring.header());
        onProgress?.({ from, to: HEADER_V2, done: 1, total: 1 });
      } else if (!readOnly && unlocked.repaired) await backend.writeHeader(keyring.header());
      const engine = await Engine.open(backend, keyring, tuning);
      return new Store(backend, engine, durability, access);
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
    return new Store(backend, engine, durability, { random: opts.random, clock: undefined, readOnly: false, autoLock: undefined });
  }

  #check(): void {
    if (this.#closing !== undefined || this.#engine.closed) throw new ClosedError('store');
    const locked = this.#lockRequested ?? this.#engine.locked;
    if (locked !== undefined) throw new UnlockRequiredError(locked);
    this.#autoLock?.touch();
  }

  #writable(operation: string): void {
    this.#check();
    if (this.#readOnly) throw new ReadOnlyError(operation);
  }

  /** True when opened with `readOnly: true`. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** Why the store is locked ('manual': `lock()`, 'idle': `autoLock`), or undefined when it is unlocked. */
  get locked(): 'manual' | 'idle' | undefined {
    return this.#lockRequested ?? this.#engine.locked;
  }

  /**
   * Locks the running store: new calls are refused at once, queued writes
   * finish (nothing acknowledged is lost), the memtable is flushed, open
   * iterators, snapshots and transactions are closed, the decrypted-block
   * cache is emptied and every key is wiped from memory. Every call then
   * throws `UnlockRequiredError` until `unlock(...)`. Idempotent.
   * @throws {InvalidArgumentError} a memory store (nothing could unlock it again).
   * @throws {ClosedError} the store is closed.
   */
  async lock(): Promise<void> {
    if (this.#closing !== undefined || this.#engine.closed) throw new ClosedError('store');
    if (!this.#backend.persistent) throw new InvalidArgumentError('store', 'a store on disk (a memory store could never be unlocked again)', 'memory store');
    await this.#lockWith('manual');
  }

  #lockWith(reason: 'manual' | 'idle'): Promise<void> {
    this.#autoLock?.stop();
    // Refuse new calls now, before the queue of key operations reaches this lock.
    this.#lockRequested ??= reason;
    return this.#serialKeyOp(() => this.#engine.lock(this.#lockRequested ?? reason));
  }

  /**
   * Unlocks a locked store with `{ passphrase }`, `{ recoveryCode }`, `{ key }`
   * or `{ keyProvider }` (any slot), read fresh from the header on disk.
   * Resolves at once if the store is not locked.
   * @throws {WrongPassphraseError} the credential opens no key slot; the store stays locked.
   * @throws {IntegrityError} where 'header': the header on disk now belongs to another store.
   */
  async unlock(credential: OpenCredential, options?: { signal?: AbortSignal }): Promise<void> {
    const opts = mustOptions<{ signal?: AbortSignal }>('options', options);
    const signal = mustSignal('options.signal', opts.signal);
    const picked = pickCredential(mustOptions<OpenCredential>('credential', credential), 'credential');
    if (this.#closing !== undefined || this.#engine.closed) throw new ClosedError('store');
    await this.#serialKeyOp(async () => {
      if (this.#lockRequested === undefined || this.#engine.closed) return;
      const cred = await obtainCredential(picked, 'credential');
      const { keyring, repaired } = await Keyring.unlock(await this.#backend.readHeader(), cred, signal === undefined ? {} : { signal });
      if (!equalBytes(keyring.storeId, this.#storeId)) {
        keyring.wipe();
        throw new IntegrityError('header', 'store id', 'the header on disk belongs to another store');
      }
      if (!this.#readOnly && (repaired || keyring.needsUpgrade)) await this.#backend.writeHeader(keyring.header());
      this.#engine.unlock(keyring);
      this.#lockRequested = undefined;
      this.#autoLock?.start();
    });
  }

  #serialKeyOp<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#keyOps.then(op);
    this.#keyOps = run.catch(() => undefined);
    return run;
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
    this.#writable('change the passphrase');
    await this.#engine.exclusive(async () => {
      const header = this.#engine.cipher.keyring.header();
      // Proves the caller knows the current passphrase (a stolen unlocked session alone cannot change it),
      // and finds which passphrase slot it opens: that slot is the one changed.
      const { keyring: verified, slot } = await Keyring.unlock([header], { passphrase: oldPassphrase }, opts.signal === undefined ? {} : { signal: opts.signal });
      verified.wipe();
      const next = await this.#engine.cipher.keyring.changePassphrase(newPassphrase, {
        slot, ...(opts.kdf === undefined ? {} : { kdf: opts.kdf }), ...(this.#random === undefined ? {} : { random: this.#random }),
        ...(this.#clock === undefined ? {} : { clock: this.#clock }), ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      await this.#backend.writeHeader(next.header());
      this.#engine.cipher.setKeyring(next);
    });
  }

  /** Replaces the recovery code; the old one stops working. Show the new one to the user once. */
  async resetRecoveryCode(): Promise<Redacted<string>> {
    this.#writable('reset the recovery code');
    return this.#engine.exclusive(async () => {
      const { keyring, recoveryCode } = this.#engine.cipher.keyring.resetRecoveryCode({
        ...(this.#random === undefined ? {} : { random: this.#random }), ...(this.#clock === undefined ? {} : { clock: this.#clock }),
      });
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
    this.#writable('rotate the key');
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
    this.#writable('flush');
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
      bytesFlushed: s.bytesFlushed, bytesMerged: s.bytesMerged, keyEpoch: this.#engine.cipher.currentEpoch,
    };
  }

  /** Finishes pending writes, closes snapshots and the database, wipes keys. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#autoLock?.stop();
      // A lock or unlock in progress finishes first (its keys are wiped below either way).
      await this.#keyOps;
      // Upper layers first (blob streams release their files), each on its own: one failing must not keep the store open.
      await Promise.allSettled(this.#closeHooks.map((hook) => hook()));
      await this.#engine.close({ flushAbove: FLUSH_AT_CLOSE_ABOVE });
      await this.#backend.close();
      this.#engine.cipher.lock('manual');
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Randomness, clock, read-only flag and auto-lock of a store, validated. */
interface StoreAccess {
  readonly random: Random | undefined;
  readonly clock: (() => number) | undefined;
  readonly readOnly: boolean;
  readonly autoLock: AutoLockOptions | undefined;
}

function accessOptions(o: Partial<KeyAccessOptions & StoreOptions>, readOnly: boolean): StoreAccess {
  const clock = mustCallback<() => number>('options.clock', o.clock);
  return { random: o.random, clock, readOnly, autoLock: mustAutoLock(o.autoLock) };
}

function mustBoolean(argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(argument, 'true or false', value);
  return value;
}
