/**
 * Every error the package throws, one hand-written class per failure.
 *
 * Callers branch on `err.code` (stable within a major version) or on the
 * class; messages are for humans and may change. Each class carries the
 * fields a caller needs to react (which argument, which record, which file),
 * and wraps the lower-level failure as the standard `cause`.
 * `docs/errors.md` lists every code with the remedy.
 */

/** Every code this package throws. Stable within a major version. */
export type ErrorCode =
  | 'SYN_INVALID_ARGUMENT'
  | 'SYN_WRONG_PASSPHRASE'
  | 'SYN_INTEGRITY'
  | 'SYN_FORMAT_VERSION'
  | 'SYN_KDF_TOO_WEAK'
  | 'SYN_STORE_LOCKED'
  | 'SYN_UNLOCK_REQUIRED'
  | 'SYN_LAST_KEY_SLOT'
  | 'SYN_READ_ONLY'
  | 'SYN_STORE_NOT_FOUND'
  | 'SYN_STORE_EXISTS'
  | 'SYN_ABORTED'
  | 'SYN_CLOSED'
  | 'SYN_VALUE_TOO_LARGE'
  | 'SYN_TRANSACTION_CONFLICT'
  | 'SYN_IO'
  | 'SYN_STORAGE_FULL'
  | 'SYN_QUERY'
  | 'SYN_UNIQUE_CONSTRAINT'
  | 'SYN_BLOB_NOT_FOUND';

/** Where an integrity failure was found. */
export type IntegrityLocation =
  | 'header'
  | 'wal'
  | 'page'
  | 'data-key'
  | 'snapshot'
  | 'blob-chunk'
  | 'blob-manifest'
  | 'sync-message';

/** Base class of every error this package throws. */
export class SynapsedError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An argument is missing, of the wrong type or out of range. Fix the call. */
export class InvalidArgumentError extends SynapsedError {
  /** Name of the offending argument, e.g. `'key'` or `'options.passphrase'`. */
  readonly argument: string;
  constructor(argument: string, expected: string, received?: unknown, options?: { cause?: unknown }) {
    const got = arguments.length >= 3 ? `; received ${describe(received)}` : '';
    super('SYN_INVALID_ARGUMENT', `${argument}: expected ${expected}${got}`, options);
    this.argument = argument;
  }
}

/** Which secret failed to unlock the store: a passphrase, the recovery code, or a raw 32-byte key. */
export type Credential = 'passphrase' | 'recovery-code' | 'key';

/**
 * The passphrase, recovery code or raw key does not open any key slot of
 * this store (`credential` says which kind was tried). Distinct from damage,
 * which is `IntegrityError`. Retrying with the right one works.
 */
export class WrongPassphraseError extends SynapsedError {
  readonly credential: Credential;
  constructor(credential: Credential) {
    super('SYN_WRONG_PASSPHRASE', `the ${credential} does not unlock this store`);
    this.credential = credential;
  }
}

/** Stored bytes failed authentication: tampered, truncated, moved, replayed or corrupted. */
export class IntegrityError extends SynapsedError {
  readonly where: IntegrityLocation;
  /** Identifier of the damaged record within `where` (a page id, WAL sequence, header copy...). */
  readonly id: string;
  constructor(where: IntegrityLocation, id: string | number | bigint, detail?: string, options?: { cause?: unknown }) {
    super('SYN_INTEGRITY', `integrity check failed: ${where} ${String(id)}${detail === undefined ? '' : ` (${detail})`}`, options);
    this.where = where;
    this.id = String(id);
  }
}

/** A record or file carries a format version this build does not know (newer software wrote it). */
export class FormatVersionError extends SynapsedError {
  readonly where: IntegrityLocation;
  readonly version: number;
  constructor(where: IntegrityLocation, version: number) {
    super('SYN_FORMAT_VERSION', `${where}: unknown format version ${version}; upgrade synapsed-storage`);
    this.where = where;
    this.version = version;
  }
}

/** Key-derivation parameters are below the enforced floor (a downgraded or hand-made header). */
export class KdfTooWeakError extends SynapsedError {
  readonly parameter: string;
  constructor(parameter: string, value: number, floor: number) {
    super('SYN_KDF_TOO_WEAK', `KDF ${parameter} ${value} is below the floor ${floor}`);
    this.parameter = parameter;
  }
}

/** Another process (or another open handle) owns this store directory. */
export class StoreLockedError extends SynapsedError {
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super('SYN_STORE_LOCKED', `store is locked by another process or handle: ${path}`, options);
    this.path = path;
  }
}

/**
 * The store was locked while running (`store.lock()`, or `autoLock` after
 * inactivity): its keys are wiped from memory, and every call fails with
 * this error until `store.unlock(...)`. Iterators, snapshots and
 * transactions open at the lock fail with it too. Not `StoreLockedError`,
 * which is another process holding the directory.
 */
export class UnlockRequiredError extends SynapsedError {
  /** 'manual' for `store.lock()`, 'idle' for `autoLock`. */
  readonly reason: 'manual' | 'idle';
  constructor(reason: 'manual' | 'idle') {
    super('SYN_UNLOCK_REQUIRED', `the store is locked (${reason === 'idle' ? 'after inactivity' : 'by store.lock()'}); call store.unlock()`);
    this.reason = reason;
  }
}

/** Removing this key slot would leave the store with no way in. Add another slot first. */
export class LastKeySlotError extends SynapsedError {
  readonly slot: number;
  constructor(slot: number) {
    super('SYN_LAST_KEY_SLOT', `key slot ${slot} is the last one: removing it would lock everyone out`);
    this.slot = slot;
  }
}

/** The store was opened with `readOnly: true`: writes, key changes and upgrades are refused. */
export class ReadOnlyError extends SynapsedError {
  readonly operation: string;
  constructor(operation: string) {
    super('SYN_READ_ONLY', `${operation}: the store was opened read-only`);
    this.operation = operation;
  }
}

/** No store exists at this location. Use `Store.create`. */
export class StoreNotFoundError extends SynapsedError {
  readonly path: string;
  constructor(path: string) {
    super('SYN_STORE_NOT_FOUND', `no store at ${path}`);
    this.path = path;
  }
}

/** No blob with this id (it was never written, or was deleted). */
export class BlobNotFoundError extends SynapsedError {
  readonly id: string;
  constructor(id: string) {
    super('SYN_BLOB_NOT_FOUND', `no blob ${JSON.stringify(id)}`);
    this.id = id;
  }
}

/** A store already exists at this location. Use `Store.open`. */
export class StoreExistsError extends SynapsedError {
  readonly path: string;
  constructor(path: string) {
    super('SYN_STORE_EXISTS', `a store already exists at ${path}`);
    this.path = path;
  }
}

/** The operation was cancelled through its `AbortSignal`. */
export class AbortedError extends SynapsedError {
  constructor(options?: { cause?: unknown }) {
    super('SYN_ABORTED', 'the operation was aborted', options);
  }
}

/** The store, snapshot or iterator was closed before or during the call. */
export class ClosedError extends SynapsedError {
  readonly resource: string;
  constructor(resource: string) {
    super('SYN_CLOSED', `${resource} is closed`);
    this.resource = resource;
  }
}

/** A value exceeds the engine's limit; large data belongs in the blob store. */
export class ValueTooLargeError extends SynapsedError {
  readonly argument: string;
  readonly size: number;
  readonly limit: number;
  constructor(argument: string, size: number, limit: number) {
    super('SYN_VALUE_TOO_LARGE', `${argument} is ${size} bytes; the limit is ${limit} (use store.blobs for large data)`);
    this.argument = argument;
    this.size = size;
    this.limit = limit;
  }
}

/** An optimistic transaction kept conflicting with concurrent commits and gave up. */
export class TransactionConflictError extends SynapsedError {
  readonly attempts: number;
  constructor(attempts: number) {
    super('SYN_TRANSACTION_CONFLICT', `transaction conflicted with concurrent commits ${attempts} times`);
    this.attempts = attempts;
  }
}

/** The storage below failed (EIO and friends). The cause holds the system error. */
export class IOError extends SynapsedError {
  readonly operation: string;
  constructor(operation: string, cause: unknown) {
    super('SYN_IO', `I/O failed during ${operation}`, { cause });
    this.operation = operation;
  }
}

/** The disk is full (ENOSPC). Reads keep working; free space and retry writes. */
export class StorageFullError extends SynapsedError {
  readonly operation: string;
  constructor(operation: string, cause: unknown) {
    super('SYN_STORAGE_FULL', `no space left on device during ${operation}`, { cause });
    this.operation = operation;
  }
}

/** A query (or sort, projection, update) is malformed; `path` points at the offending part, e.g. `'$and[1].age.$gt'`. */
export class QueryError extends SynapsedError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super('SYN_QUERY', `invalid query at ${path}: ${problem}`);
    this.path = path;
  }
}

/** A write would give two documents the same value in a unique index; nothing was written. */
export class UniqueConstraintError extends SynapsedError {
  readonly collection: string;
  readonly index: string;
  /** The id of the document that already holds the value. */
  readonly existingId: string;
  constructor(collection: string, index: string, existingId: string) {
    super('SYN_UNIQUE_CONSTRAINT', `unique index '${index}' of '${collection}' already holds this value (document ${existingId})`);
    this.collection = collection;
    this.index = index;
    this.existingId = existingId;
  }
}

/** A short, safe description of a received value: never its content (it may be secret). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'string') return `string(${value.length})`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
