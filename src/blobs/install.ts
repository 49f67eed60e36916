/**
 * Gives every `Store` a `blobs` property (`store.blobs.write(...)`).
 *
 * `Store` lives in the engine layer, which must not import the layers
 * above it; so this upper layer adds the accessor to the class instead,
 * and TypeScript learns of it through module augmentation. Importing the
 * package (src/index.ts) installs it; `BlobStore.of(store)` is the same
 * object without the side effect.
 */
import { Store } from '../engine/storage.ts';
import { BlobStore } from './blob-store.ts';

declare module '../engine/storage.ts' {
  interface Store {
    /** The store's blobs: streamed, chunked, encrypted, any size (src/blobs/). */
    readonly blobs: BlobStore;
  }
}

if (!Object.prototype.hasOwnProperty.call(Store.prototype, 'blobs')) {
  Object.defineProperty(Store.prototype, 'blobs', {
    configurable: true,
    enumerable: false,
    get(this: Store): BlobStore {
      return BlobStore.of(this);
    },
  });
}
