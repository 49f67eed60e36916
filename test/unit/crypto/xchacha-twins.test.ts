/**
 * The native XChaCha path and its @noble/ciphers twin must be byte-for-byte
 * interchangeable: stores written on a Node with OpenSSL ChaCha20 are read
 * where only the noble fallback exists, and the other way round. Random
 * inputs (1,000 cases, plaintext up to 4 KiB) check that each output equals
 * the other's and that each side opens what the other sealed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NONCE_LENGTH, TAG_LENGTH, defaultXChaCha, hasNativeChaCha, nativeXChaCha, nobleXChaCha } from '../../../src/crypto/xchacha.ts';
import { toHex } from '../../../src/util/bytes.ts';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce = fc.uint8Array({ minLength: NONCE_LENGTH, maxLength: NONCE_LENGTH });
// `size: 'max'` spreads lengths over the whole range (fast-check's default
// keeps arrays tiny); the second branch keeps short and block-edge lengths common.
const plaintext = fc.oneof(fc.uint8Array({ maxLength: 4096, size: 'max' }), fc.uint8Array({ maxLength: 80, size: 'max' }));
const aad = fc.uint8Array({ maxLength: 64, size: 'max' });

test('native and noble produce identical bytes and open each other’s output', () => {
  fc.assert(
    fc.property(key, nonce, plaintext, aad, (k, n, p, a) => {
      const fromNative = nativeXChaCha.encrypt(k, n, p, a);
      const fromNoble = nobleXChaCha.encrypt(k, n, p, a);
      assert.equal(fromNative.length, p.length + TAG_LENGTH);
      assert.equal(toHex(fromNative), toHex(fromNoble));

      const nobleOpensNative = nobleXChaCha.decrypt(k, n, fromNative, a);
      const nativeOpensNoble = nativeXChaCha.decrypt(k, n, fromNoble, a);
      assert.ok(nobleOpensNative !== undefined && nativeOpensNoble !== undefined);
      assert.equal(toHex(nobleOpensNative), toHex(p));
      assert.equal(toHex(nativeOpensNoble), toHex(p));
    }),
    { numRuns: 1000 },
  );
});

test('encryption does not modify the caller’s key, nonce, plaintext or AAD', () => {
  fc.assert(
    fc.property(key, nonce, plaintext, aad, (k, n, p, a) => {
      const before = [toHex(k), toHex(n), toHex(p), toHex(a)];
      const sealed = nativeXChaCha.encrypt(k, n, p, a);
      nativeXChaCha.decrypt(k, n, sealed, a);
      assert.deepEqual([toHex(k), toHex(n), toHex(p), toHex(a)], before);
    }),
    { numRuns: 100 },
  );
});

test('decryption accepts subarray views that do not start at offset 0', () => {
  const k = new Uint8Array(32).fill(1);
  const n = new Uint8Array(NONCE_LENGTH).fill(2);
  const p = new Uint8Array(100).map((_, i) => i);
  const sealed = nobleXChaCha.encrypt(k, n, p, new Uint8Array(0));
  const padded = new Uint8Array(sealed.length + 7);
  padded.set(sealed, 3);
  const view = padded.subarray(3, 3 + sealed.length);
  for (const impl of [nativeXChaCha, nobleXChaCha]) {
    const plain = impl.decrypt(k, n, view, new Uint8Array(0));
    assert.ok(plain !== undefined, impl.name);
    assert.equal(toHex(plain), toHex(p), impl.name);
  }
});

test('the default implementation is the native one on this Node build', () => {
  assert.equal(hasNativeChaCha, true);
  assert.equal(defaultXChaCha, nativeXChaCha);
});

// Wycheproof's InvalidNonceSize sizes, plus off-by-one lengths around 24.
const BAD_NONCE_LENGTHS = [0, 8, 11, 12, 13, 14, 16, 20, 23, 25, 32];
const BAD_KEY_LENGTHS = [0, 16, 31];

test('noble rejects keys and nonces of the wrong length', () => {
  const p = new Uint8Array(16);
  const a = new Uint8Array(0);
  for (const length of BAD_NONCE_LENGTHS) {
    assert.throws(() => nobleXChaCha.encrypt(new Uint8Array(32), new Uint8Array(length), p, a), RangeError, `nonce ${length}`);
  }
  for (const length of BAD_KEY_LENGTHS) {
    assert.throws(() => nobleXChaCha.encrypt(new Uint8Array(length), new Uint8Array(NONCE_LENGTH), p, a), RangeError, `key ${length}`);
  }
});

test(
  'native rejects keys and nonces of the wrong length, as its noble twin does',
  () => {
    const p = new Uint8Array(16);
    const a = new Uint8Array(0);
    for (const length of BAD_NONCE_LENGTHS) {
      assert.throws(() => nativeXChaCha.encrypt(new Uint8Array(32), new Uint8Array(length), p, a), Error, `nonce ${length}`);
    }
    for (const length of BAD_KEY_LENGTHS) {
      assert.throws(() => nativeXChaCha.encrypt(new Uint8Array(length), new Uint8Array(NONCE_LENGTH), p, a), Error, `key ${length}`);
    }
  },
);

test(
  'native never encrypts two different nonces to the same ciphertext',
  () => {
    const k = new Uint8Array(32).fill(9);
    const p = new Uint8Array(32).fill(7);
    const a = new Uint8Array(0);
    const short = new Uint8Array(NONCE_LENGTH).fill(5);
    const long = new Uint8Array(NONCE_LENGTH + 8).fill(5);
    const results = [short, long].map((n) => {
      try {
        return toHex(nativeXChaCha.encrypt(k, n, p, a));
      } catch {
        return 'rejected';
      }
    });
    assert.notEqual(results[0], results[1]);
  },
);
