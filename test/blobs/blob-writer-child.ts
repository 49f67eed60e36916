/**
 * Child of the blob kill test (kill.test.ts): writes blobs until killed.
 * Each blob's bytes are a function of (seed, n), so the parent can check
 * any blob it finds. Before a write it reports `{ t: 'intent', n, size }`,
 * after the write resolves `{ t: 'ack', n }`. Every third write replaces
 * the blob 'same' instead of adding a new id.
 *
 * argv: DIR RECOVERY_CODE SEED FIRST_N
 */
import { Store } from '../../src/index.ts';
import { blobBytes, blobId, blobSize } from './kill-model.ts';

const [dir, recoveryCode, seedText, firstText] = process.argv.slice(2);
if (dir === undefined || recoveryCode === undefined || seedText === undefined || firstText === undefined) throw new Error('usage: DIR CODE SEED FIRST_N');
const seed = Number(seedText);

const send = (message: unknown): Promise<void> => new Promise((resolve) => process.send!(message, () => resolve()));

const store = await Store.open(dir, { recoveryCode });
await send({ t: 'open' });
for (let n = Number(firstText); ; n++) {
  const size = blobSize(seed, n);
  await send({ t: 'intent', n, size });
  // Streamed in 100 KiB pieces, so kills land between chunks, between batches and at the commit.
  async function* pieces(): AsyncGenerator<Uint8Array> {
    const all = blobBytes(seed, n, size);
    for (let at = 0; at < all.length; at += 100_000) yield all.subarray(at, at + 100_000);
    if (all.length === 0) yield all;
  }
  await store.blobs.write(blobId(n), pieces());
  await send({ t: 'ack', n });
}
