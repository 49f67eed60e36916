/**
 * synapsed-storage: the public surface.
 *
 * Everything a caller imports comes from here: error classes (branch on
 * `err.code`), the keyring for advanced key management, and crypto helpers
 * that are safe to expose (wrapping a data key needs only a public key).
 */
export * from './errors.ts';
export { FORMAT_LATEST, FORMAT_V1 } from './format.ts';
export { Redacted } from './crypto/redacted.ts';
export { SymmetricKey } from './crypto/keys.ts';
export {
  Keyring, type CreateKeyringOptions, type KeyringOperationOptions, type UnlockCredential, type KeySlotInfo, type KeySlotType, type NewKeySlot,
} from './keyring/keyring.ts';
export { KDF_DEFAULTS, KDF_FLOOR, type KdfCost } from './keyring/kdf-params.ts';
export { parseRecoveryCode } from './keyring/recovery-code.ts';
export { readHeaderCopies, writeHeaderCopies, HEADER_FILES } from './engine/header-file.ts';
export {
  Store, type StoreOptions, type CreateOptions, type OpenOptions, type WriteOptions, type BatchOperation,
  type TransactionOptions, type StoreStats, type KeyAccessOptions, type UpgradeProgress,
} from './engine/storage.ts';
export type { KeySlots, AddedKeySlot, KeyProvider, OpenCredential } from './engine/key-slots.ts';
export type { AutoLockOptions } from './engine/auto-lock.ts';
export { importLevel } from './engine/importers/level-import.ts';
export { importNdjson, type NdjsonSource } from './engine/importers/ndjson-import.ts';
export type { ImportOptions, ImportProgress, ImportResult } from './engine/importers/batch-writer.ts';
export { Snapshot } from './engine/snapshot.ts';
export { Transaction } from './engine/transaction.ts';
export type { NamedSnapshots, NamedSnapshotInfo } from './engine/named-snapshots.ts';
export type { RotateOptions, RotateProgress } from './engine/rotate.ts';
export type { VerifyOptions, VerifyReport, VerifyProblem } from './engine/verify.ts';
export type { ScanOptions, BytesLike, Durability } from './engine/input.ts';
export { MAX_KEY_BYTES, MAX_VALUE_BYTES, NAMESPACE, type Namespace } from './engine/input.ts';
export { Keyspace } from './engine/keyspace.ts';
export { TimeSeries, type TimeSeriesOptions, type TimeSeriesPoint, type Sample, type RangeOptions, type AggregateOptions, type AggregateRow, type AggregateFn, type Duration, type RetentionOptions } from './timeseries/timeseries-store.ts';
export * from './documents/index.ts';
export { instrumentStore, type InstrumentOptions, type StoreInstrumentation, type MetricsSnapshot, type LatencyFigures } from './metrics/instrument.ts';
export type { ObservedOperation } from './engine/observer.ts';
export * from './blobs/index.ts';
