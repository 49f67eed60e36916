/**
 * Byte mutation for the fuzz targets (fuzz/targets.ts): fast-check
 * arbitraries that take valid encodings (seeds) and damage them the way
 * disks and attackers do: bit flips, overwritten bytes, "interesting"
 * integers written over length and count fields, insertions, deletions,
 * truncations, duplicated ranges and splices with another seed. Mixed with
 * plain random bytes. Shrinking works (fast-check shrinks the mutation
 * list), so a failure reports a small damaged input and its seed.
 */
import fc from 'fast-check';

/** One damage to apply; positions are taken modulo the current length. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'int'; readonly at: number; readonly value: number; readonly width: 1 | 2 | 4 }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'splice'; readonly at: number; readonly other: number; readonly from: number; readonly length: number };

/** Values that break length and count checks: zero, sign bits, all ones, varint continuation bytes. */
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant('int' as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING), width: fc.constantFrom(1 as const, 2 as const, 4 as const) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
);

/** Applies `mutations` to a copy of `seed`; `seeds` feed splices. */
export function applyMutations(seed: Uint8Array, mutations: readonly Mutation[], seeds: readonly Uint8Array[]): Uint8Array {
  let bytes: Uint8Array = seed.slice();
  for (const m of mutations) {
    const n = bytes.length;
    const at = n === 0 ? 0 : m.at % n;
    switch (m.kind) {
      case 'flip':
        if (n > 0) bytes[at] = (bytes[at] as number) ^ (1 << m.bit);
        break;
      case 'set':
        if (n > 0) bytes[at] = m.byte;
        break;
      case 'int':
        // Big-endian, clipped at the end: length prefixes and counts in these formats are BE or varint.
        for (let i = 0; i < m.width && at + i < n; i++) bytes[at + i] = (m.value >>> (8 * (m.width - 1 - i))) & 0xff;
        break;
      case 'insert':
        bytes = concat(bytes.subarray(0, m.at % (n + 1)), m.bytes, bytes.subarray(m.at % (n + 1)));
        break;
      case 'delete':
        bytes = concat(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + m.length)));
        break;
      case 'truncate':
        bytes = bytes.slice(0, m.at % (n + 1));
        break;
      case 'duplicate':
        bytes = concat(bytes.subarray(0, at + Math.min(m.length, n - at)), bytes.subarray(at, Math.min(n, at + m.length)), bytes.subarray(at + Math.min(m.length, n - at)));
        break;
      case 'splice': {
        const other = seeds[m.other % Math.max(1, seeds.length)] ?? bytes;
        const from = other.length === 0 ? 0 : m.from % other.length;
        bytes = concat(bytes.subarray(0, at), other.subarray(from, from + m.length), bytes.subarray(Math.min(n, at + m.length)));
        break;
      }
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Damaged copies of `seeds` (1 to 8 mutations each), a few untouched seeds, and random bytes up to `maxRandom`. */
export function mutated(seeds: readonly Uint8Array[], maxRandom = 512): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new RangeError('mutated() needs at least one seed');
  const pick = fc.nat(seeds.length - 1);
  return fc.oneof(
    { weight: 16, arbitrary: fc.tuple(pick, fc.array(mutation, { minLength: 1, maxLength: 8 })).map(([i, ms]) => applyMutations(seeds[i] as Uint8Array, ms, seeds)) },
    { weight: 1, arbitrary: pick.map((i) => (seeds[i] as Uint8Array).slice()) },
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: maxRandom }) },
  );
}
