/**
 * Shapes of what `AbstractLevel` hands to the private (`_`-prefixed) API.
 *
 * abstract-level's `.d.ts` types only the public API, so these interfaces
 * restate its README ("Private API For Implementors") for the adapter.
 * Everything here has already been validated and encoded by AbstractLevel:
 * keys, values and range bounds are `Uint8Array` because the adapter
 * declares only the `'view'` encoding, and `limit` is an integer >= -1
 * where -1 means "no limit".
 */
import type { AbstractSnapshot } from 'abstract-level';

/** `snapshot` as the caller passed it: absent, null or an explicit snapshot. */
export type SnapshotOption = AbstractSnapshot | null | undefined;

/** Options of `_get`, `_getMany`, `_has`, `_hasMany`. */
export interface PrivateReadOptions {
  readonly snapshot?: SnapshotOption;
}

/** Options of `_put`, `_del`, `_batch`: classic-level's `sync` is honoured. */
export interface PrivateWriteOptions {
  readonly sync?: unknown;
}

/** One operation of `_batch`, key and value already encoded and prefixed. */
export type PrivateOperation =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

/** Range options of `_clear`, `_iterator`, `_keys`, `_values`. */
export interface PrivateRangeOptions {
  readonly gt?: Uint8Array | undefined;
  readonly gte?: Uint8Array | undefined;
  readonly lt?: Uint8Array | undefined;
  readonly lte?: Uint8Array | undefined;
  readonly reverse: boolean;
  /** An integer; -1 means no limit. */
  readonly limit: number;
  readonly snapshot?: SnapshotOption;
  /** Iterators only: aborts an in-progress read. */
  readonly signal?: AbortSignal | null | undefined;
}

/** Options of `_open` (abstract-level fills in both flags). */
export interface PrivateOpenOptions {
  readonly createIfMissing: boolean;
  readonly errorIfExists: boolean;
}
