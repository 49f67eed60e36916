/**
 * Seeded randomness for benchmark data, so every target (and every run)
 * sees the same data set: mulberry32 (a 32-bit generator, plenty for test
 * data, not for crypto), a 32-bit mix for per-item seeds (item i's data can
 * be recomputed on its own, without replaying a stream), and a Zipf sampler
 * for word-like frequencies.
 */

/** mulberry32: `next()` in [0, 1). */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** A well-spread 32-bit seed for item `b` of stream `a` (murmur3's finalizer). */
export function mix32(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s. */
export class Zipf {
  readonly #cdf: Float64Array;

  constructor(n: number, s = 1) {
    this.#cdf = new Float64Array(n);
    let sum = 0;
    for (let r = 0; r < n; r++) this.#cdf[r] = sum += 1 / (r + 1) ** s;
    for (let r = 0; r < n; r++) this.#cdf[r] = (this.#cdf[r] as number) / sum;
  }

  sample(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.#cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
