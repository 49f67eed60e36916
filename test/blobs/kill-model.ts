/** Shared by the blob kill test and its child: deterministic blob contents. */
import { Rng } from '../helpers/store-fixtures.ts';

/** Every third write replaces 'same'; the others add 'b/<n>'. */
export function blobId(n: number): string {
  return n % 3 === 0 ? 'same' : `b/${n}`;
}

/** 0 to ~1.5 MiB, with small (inline) sizes mixed in. */
export function blobSize(seed: number, n: number): number {
  const rng = new Rng(seed * 7919 + n);
  return rng.chance(0.2) ? rng.int(20_000) : rng.int(1_500_000);
}

export function blobBytes(seed: number, n: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const rng = new Rng(seed ^ (n * 2654435761));
  // Fast pattern: a random 4 KiB block repeated with the write number mixed in.
  const block = rng.bytes(4096);
  for (let at = 0; at < size; at += 4096) {
    out.set(block.subarray(0, Math.min(4096, size - at)), at);
    out[at] = (n + at / 4096) & 0xff;
  }
  return out;
}
