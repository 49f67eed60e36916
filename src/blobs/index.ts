/** The blob layer's public surface (re-exported by src/index.ts). */
import './install.ts';

export { BlobStore, BlobWriteStream, type BlobInfo, type BlobWriteOptions, type BlobReadOptions, type BlobListOptions, type BlobsInTransaction, type BlobStoreOptions, type BlobVerifyReport, type BlobVerifyOptions } from './blob-store.ts';
export type { BlobMetadata } from './records.ts';
export type { BlobSource } from './source.ts';
export { CHUNK_BYTES as BLOB_CHUNK_BYTES } from './chunks.ts';
