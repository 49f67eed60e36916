/**
 * The pooled CSPRNG reader (src/crypto/random.ts) that draws every nonce and
 * key. A pool bug would repeat bytes, which for nonces breaks XChaCha's
 * security outright, so this checks lengths, that consecutive draws never
 * overlap, that handed-out bytes are wiped from the pool, and that large
 * requests skip the pool. node:crypto's randomFillSync is observed by
 * swapping it on the builtin module and re-syncing its ESM named exports.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { SystemRandom, systemRandom } from '../../../src/crypto/random.ts';
import { toHex } from '../../../src/util/bytes.ts';

const POOL_SIZE = 4096;
const nodeCrypto = createRequire(import.meta.url)('node:crypto') as { randomFillSync: <T extends Uint8Array>(buffer: T) => T };

describe('SystemRandom output', () => {
  test('returns exactly the requested number of bytes', () => {
    const random = new SystemRandom().bytes;
    for (const length of [0, 1, 16, 24, 32, 1023, 1024, 1025, 4096, 10_000]) {
      const bytes = random(length);
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.length, length, `length ${length}`);
    }
  });

  test('returns bytes that own their buffer, so a caller cannot reach the pool', () => {
    const random = new SystemRandom().bytes;
    const bytes = random(24);
    assert.equal(bytes.byteOffset, 0);
    assert.equal(bytes.buffer.byteLength, 24);
  });

  test('10,000 consecutive 24-byte draws contain no duplicate', () => {
    const random = new SystemRandom().bytes;
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(toHex(random(24)));
    assert.equal(seen.size, 10_000);
  });

  test('the shared default source also never repeats a nonce', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(toHex(systemRandom(24)));
    assert.equal(seen.size, 10_000);
  });

  test('pooled output is not biased toward zero (wiped pool bytes handed out again would be)', () => {
    const random = new SystemRandom().bytes;
    let zeros = 0;
    // 3 pools' worth through 40-byte draws, so refills and tails are crossed.
    for (let i = 0; i < 300; i++) zeros += random(40).filter((b) => b === 0).length;
    // Expected about 47 zero bytes in 12,000; 120 is over 10 standard deviations away.
    assert.ok(zeros < 120, `${zeros} zero bytes`);
  });
});

describe('SystemRandom pool', () => {
  const original = nodeCrypto.randomFillSync;
  let fills: number[] = [];
  let counter = 0;

  beforeEach(() => {
    fills = [];
    counter = 0;
    // A deterministic stand-in: numbers every byte it fills, so overlaps show up.
    nodeCrypto.randomFillSync = <T extends Uint8Array>(buffer: T): T => {
      fills.push(buffer.length);
      for (let i = 0; i < buffer.length; i++) buffer[i] = (counter++ % 251) + 1;
      return buffer;
    };
    syncBuiltinESMExports();
  });

  afterEach(() => {
    nodeCrypto.randomFillSync = original;
    syncBuiltinESMExports();
  });

  test('fills one pool for many small draws', () => {
    const random = new SystemRandom().bytes;
    for (let i = 0; i < 100; i++) random(24);
    assert.deepEqual(fills, [POOL_SIZE]);
  });

  test('consecutive small draws are consecutive, non-overlapping slices of the pool', () => {
    const random = new SystemRandom().bytes;
    const a = random(24);
    const b = random(24);
    assert.deepEqual(Array.from(a), Array.from({ length: 24 }, (_, i) => (i % 251) + 1));
    assert.deepEqual(Array.from(b), Array.from({ length: 24 }, (_, i) => ((24 + i) % 251) + 1));
  });

  test('refills instead of handing out a partial or repeated tail', () => {
    const random = new SystemRandom().bytes;
    const draws = Math.floor(POOL_SIZE / 1000);
    for (let i = 0; i < draws; i++) random(1000);
    const next = random(1000);
    assert.deepEqual(fills, [POOL_SIZE, POOL_SIZE]);
    assert.equal(next[0], (POOL_SIZE % 251) + 1, 'the draw after a refill starts at the new pool');
    assert.ok(next.every((b) => b !== 0), 'a draw contained wiped bytes');
  });

  test('large requests bypass the pool and leave its position unchanged', () => {
    const random = new SystemRandom().bytes;
    random(24);
    const large = random(POOL_SIZE / 4 + 1);
    const small = random(24);
    assert.deepEqual(fills, [POOL_SIZE, POOL_SIZE / 4 + 1]);
    assert.equal(large.length, POOL_SIZE / 4 + 1);
    assert.equal(small[0], (24 % 251) + 1, 'the next small draw continues where the pool was');
  });

  test('a request of exactly a quarter pool is still served from the pool', () => {
    const random = new SystemRandom().bytes;
    random(POOL_SIZE / 4);
    assert.deepEqual(fills, [POOL_SIZE]);
  });

  test('separate instances keep separate pools', () => {
    const one = new SystemRandom().bytes;
    const two = new SystemRandom().bytes;
    one(24);
    two(24);
    assert.deepEqual(fills, [POOL_SIZE, POOL_SIZE]);
  });
});
