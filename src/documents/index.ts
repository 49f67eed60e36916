/** The documents layer: collections with private secondary indexes and queries. */
export { Collection, type ChangeEvent, type CollectionOptions, type FindOptions, type IndexBuildOptions, type CollectionInTransaction } from './collection.ts';
export type { Doc } from './doc-codec.ts';
export type { IndexSpec, FieldIndexSpec, TextIndexSpec, IndexDef } from './index-keys.ts';
export type { Query } from './query.ts';
export type { Explanation } from './planner.ts';
