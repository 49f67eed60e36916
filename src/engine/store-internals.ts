/**
 * What the data-model layers above the engine (blobs) need from a `Store`
 * beyond its public API: its side files, its id for AAD, its random
 * source, and a hook to finish their own work before the store closes.
 *
 * Kept in a module-private registry instead of public members, so the
 * public surface stays small and upper layers reach it by an explicit
 * import from the engine (layers.test.ts allows downward imports only).
 */
import type { Random } from '../crypto/random.ts';
import type { SideFiles } from './side-files.ts';

export interface StoreInternals {
  /** Append-only files of one area, beside LevelDB (or in memory). */
  sideFiles(area: string): SideFiles;
  /** The store's 16-byte id, bound into every AAD. */
  readonly storeId: Uint8Array;
  /** The store's randomness source (injectable in tests). */
  readonly random: Random | undefined;
  /** True for a store on disk. */
  readonly persistent: boolean;
  /** Throws `ClosedError` once the store is closing. */
  check(): void;
  /**
   * Runs `hook` when the store closes, before the engine finishes its
   * writes: upper layers abort streams and release files there.
   */
  onClose(hook: () => Promise<void>): void;
}

const registry = new WeakMap<object, StoreInternals>();

/** @internal Called once by the Store constructor. */
export function registerStoreInternals(store: object, internals: StoreInternals): void {
  registry.set(store, internals);
}

/** The internals of `store`, or undefined when it is not a Store. */
export function storeInternals(store: unknown): StoreInternals | undefined {
  return typeof store === 'object' && store !== null ? registry.get(store) : undefined;
}
