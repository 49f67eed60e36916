/**
 * Byte helpers: the BigInt-free u64 writer used on hot paths agrees with the
 * BigInt one (its slow twin) for every safe integer, and byte comparison
 * agrees with Buffer.compare.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareBytes, safeU64Bytes, u64Bytes, readU64 } from '../../../src/util/bytes.ts';

test('safeU64Bytes matches u64Bytes for every safe integer', () => {
  fc.assert(fc.property(fc.maxSafeNat(), (n) => {
    assert.deepEqual(safeU64Bytes(n), u64Bytes(BigInt(n)));
    assert.equal(readU64(safeU64Bytes(n), 0), BigInt(n));
  }), { numRuns: 2000 });
  for (const n of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) assert.deepEqual(safeU64Bytes(n), u64Bytes(BigInt(n)));
});

test('compareBytes orders like Buffer.compare', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
    assert.equal(Math.sign(compareBytes(a, b)), Math.sign(Buffer.compare(a, b)));
  }), { numRuns: 2000 });
});
