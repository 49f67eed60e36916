/**
 * Translation of engine errors into the codes Level users branch on.
 *
 * abstract-level raises its own `LEVEL_*` errors for everything it checks
 * (state, arguments, encodings, closed iterators and snapshots). Errors that
 * start in the engine reach the Level caller as a `LevelError` carrying the
 * `LEVEL_*` code abstract-level documents for that situation, with our
 * `SynapsedError` as `cause` (classic-level does the same: its open failure
 * is `LEVEL_DATABASE_NOT_OPEN` with `cause.code` `LEVEL_LOCKED`).
 *
 * | engine code (cause)                  | Level code                |
 * |--------------------------------------|---------------------------|
 * | SYN_CLOSED                           | LEVEL_DATABASE_NOT_OPEN   |
 * | SYN_STORE_LOCKED                     | LEVEL_LOCKED              |
 * | SYN_INTEGRITY, SYN_FORMAT_VERSION    | LEVEL_CORRUPTION          |
 * | SYN_IO, SYN_STORAGE_FULL             | LEVEL_IO_ERROR            |
 * | SYN_VALUE_TOO_LARGE on a key/bound   | LEVEL_INVALID_KEY         |
 * | SYN_VALUE_TOO_LARGE on a value       | LEVEL_INVALID_VALUE       |
 * | SYN_ABORTED (iterator signal)        | LEVEL_ABORTED             |
 * | anything else                        | unchanged                 |
 *
 * LEVEL_ABORTED errors are named 'AbortError', as abstract-level requires
 * for web compatibility.
 *
 * Why a class here and not in src/errors.ts: these codes belong to
 * abstract-level's namespace (stable within its major), not to ours, and
 * only this layer raises them.
 */
import { SynapsedError, ValueTooLargeError } from '../errors.ts';

/** The `LEVEL_*` codes this adapter raises itself. */
export type LevelErrorCode =
  | 'LEVEL_DATABASE_NOT_OPEN'
  | 'LEVEL_LOCKED'
  | 'LEVEL_CORRUPTION'
  | 'LEVEL_IO_ERROR'
  | 'LEVEL_INVALID_KEY'
  | 'LEVEL_INVALID_VALUE'
  | 'LEVEL_ABORTED';

/** An engine failure seen through abstract-level's error codes; `cause` is the engine error. */
export class LevelError extends Error {
  readonly code: LevelErrorCode;
  constructor(code: LevelErrorCode, message: string, options: { cause: unknown }) {
    super(message, options);
    this.code = code;
    this.name = code === 'LEVEL_ABORTED' ? 'AbortError' : 'LevelError';
  }
}

/** `error` as the Level caller should see it (see the table above). */
export function toLevelError(error: unknown): unknown {
  if (!(error instanceof SynapsedError)) return error;
  const wrap = (code: LevelErrorCode, message: string): LevelError => new LevelError(code, message, { cause: error });
  switch (error.code) {
    case 'SYN_CLOSED':
      return wrap('LEVEL_DATABASE_NOT_OPEN', 'the underlying store is closed');
    case 'SYN_STORE_LOCKED':
      return wrap('LEVEL_LOCKED', 'the store is locked by another process or handle');
    case 'SYN_INTEGRITY':
    case 'SYN_FORMAT_VERSION':
      return wrap('LEVEL_CORRUPTION', 'stored data could not be read');
    case 'SYN_IO':
    case 'SYN_STORAGE_FULL':
      return wrap('LEVEL_IO_ERROR', 'the storage below failed');
    case 'SYN_ABORTED':
      return wrap('LEVEL_ABORTED', 'the operation was aborted');
    case 'SYN_VALUE_TOO_LARGE':
      return (error as ValueTooLargeError).argument.endsWith('value')
        ? wrap('LEVEL_INVALID_VALUE', 'the value exceeds the engine limit')
        : wrap('LEVEL_INVALID_KEY', 'the key exceeds the engine limit');
    default:
      return error;
  }
}

/** Awaits `work`, rethrowing its failure through `toLevelError`. */
export async function asLevel<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw toLevelError(error);
  }
}
