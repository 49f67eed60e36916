/**
 * STREAM chunk cipher: the native path and the noble twin produce the same
 * bytes, the nonce carries index and last flag where age puts them, and a
 * chunk opens only at its own index, with its own last flag, key and AAD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StreamCipher, chunkNonce, nativeStream, nobleStream } from '../../../src/crypto/stream.ts';

test('nonce layout: 11-byte big-endian index, then the last-chunk flag', () => {
  assert.deepEqual([...chunkNonce(0, false)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...chunkNonce(1, true)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual([...chunkNonce(0x0102_0304_0506, false)], [0, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0]);
  assert.deepEqual([...chunkNonce(Number.MAX_SAFE_INTEGER, true)], [0, 0, 0, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]);
  assert.throws(() => chunkNonce(-1, false), RangeError);
  assert.throws(() => chunkNonce(1.5, false), RangeError);
  assert.throws(() => chunkNonce(2 ** 53, false), RangeError);
});

test('native and noble seal to identical bytes and open each other', () => {
  for (const size of [0, 1, 15, 16, 17, 4096, 65536]) {
    const key = randomBytes(32);
    const aad = randomBytes(40);
    const plain = randomBytes(size);
    const a = new StreamCipher(key, aad, nativeStream);
    const b = new StreamCipher(key, aad, nobleStream);
    for (const [index, last] of [[0, false], [7, true], [2 ** 40 + 3, false]] as const) {
      const sa = a.seal(index, last, plain);
      const sb = b.seal(index, last, plain);
      assert.deepEqual(Buffer.from(sa), Buffer.from(sb), `size ${size} index ${index}`);
      assert.deepEqual(Buffer.from(b.open(index, last, sa)!), plain);
      assert.deepEqual(Buffer.from(a.open(index, last, sb)!), plain);
    }
  }
});

test('a chunk opens only at its index, with its flag, key and AAD, and unmodified', () => {
  const key = randomBytes(32);
  const aad = randomBytes(22);
  const plain = randomBytes(1000);
  for (const impl of [nativeStream, nobleStream]) {
    const cipher = new StreamCipher(key, aad, impl);
    const sealed = cipher.seal(5, false, plain);
    assert.ok(cipher.open(5, false, sealed));
    assert.equal(cipher.open(4, false, sealed), undefined, 'moved to another index');
    assert.equal(cipher.open(5, true, sealed), undefined, 'relabelled as the last chunk (truncation)');
    assert.equal(new StreamCipher(randomBytes(32), aad, impl).open(5, false, sealed), undefined, 'another key (splice from another blob)');
    const otherAad = aad.slice();
    otherAad[3]! ^= 1;
    assert.equal(new StreamCipher(key, otherAad, impl).open(5, false, sealed), undefined, 'another location');
    for (const bit of [0, 8 * 500 + 3, 8 * sealed.length - 1]) {
      const flipped = sealed.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(cipher.open(5, false, flipped), undefined, `bit ${bit}`);
    }
    assert.equal(cipher.open(5, false, sealed.subarray(0, sealed.length - 1)), undefined, 'cut short');
    assert.equal(cipher.open(5, false, sealed.subarray(0, 10)), undefined, 'shorter than a tag');
  }
});

test('wipe zeroes the key copy: the cipher no longer opens what it sealed', () => {
  const cipher = new StreamCipher(randomBytes(32), randomBytes(8));
  const sealed = cipher.seal(0, true, randomBytes(64));
  cipher.wipe();
  assert.equal(cipher.open(0, true, sealed), undefined);
});
