/**
 * `synapsed-storage/level`: the abstract-level adapter (synapsed-level.ts).
 *
 * ```ts
 * import { Store } from 'synapsed-storage'
 * import { SynapsedLevel } from 'synapsed-storage/level'
 * const db = new SynapsedLevel({ store: () => Store.open(dir, { passphrase }), permanence: true })
 * ```
 *
 * Errors: abstract-level raises its `LEVEL_*` codes; engine failures arrive
 * as `LevelError` with a `LEVEL_*` code and the engine error as `cause`
 * (errors.ts has the table).
 */
export { SynapsedLevel, type SynapsedLevelOptions, type StoreFactory } from './synapsed-level.ts';
export { SynapsedSnapshot } from './snapshot.ts';
export { LevelError, type LevelErrorCode } from './errors.ts';
export type { PrivateOpenOptions as LevelOpenOptions } from './private-api.ts';
