/**
 * Key derivation and keyed hashing (src/crypto/kdf.ts, keyed-hash.ts).
 * deriveKey fixes its HKDF `info` to purpose labels, so RFC 5869 vectors
 * cannot be fed to it directly: instead the reference HKDF is pinned to
 * RFC 5869 A.1 and deriveKey must equal it (and node:crypto's HKDF) with
 * info = label, or label || 0x00 || context. keyedHash is node:crypto HMAC;
 * RFC 4231 keys are not 32 bytes, so noble's HMAC is pinned to RFC 4231 and
 * used as the twin on random 32-byte keys.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HKDF_INFO, deriveKey, sha256Digest, type HkdfInfo } from '../../../src/crypto/kdf.ts';
import { equalSecret, keyedHash } from '../../../src/crypto/keyed-hash.ts';
import { SymmetricKey } from '../../../src/crypto/keys.ts';
import { concatBytes, fromHex, toHex, utf8 } from '../../../src/util/bytes.ts';

const LABELS = Object.values(HKDF_INFO) as HkdfInfo[];
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** The info deriveKey documents: the label, then 0x00 and the context if one is given. */
function expectedInfo(label: HkdfInfo, context?: Uint8Array): Uint8Array {
  return context === undefined ? utf8(label) : concatBytes(utf8(label), new Uint8Array([0]), context);
}

describe('deriveKey', () => {
  test('the reference HKDF reproduces RFC 5869 test case A.1', () => {
    const okm = hkdf(sha256, fromHex('0b'.repeat(22)), fromHex('000102030405060708090a0b0c'), fromHex('f0f1f2f3f4f5f6f7f8f9'), 42);
    assert.equal(toHex(okm), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  test('equals HKDF-SHA256 with the purpose label as info', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LABELS), bytes32, fc.uint8Array({ maxLength: 32 }), fc.constantFrom(16, 32, 64), (label, ikm, salt, length) => {
        const derived = toHex(deriveKey(ikm, salt, label, length));
        assert.equal(derived, toHex(hkdf(sha256, ikm, salt, expectedInfo(label), length)));
        assert.equal(derived, Buffer.from(hkdfSync('sha256', ikm, salt, expectedInfo(label), length)).toString('hex'));
      }),
      { numRuns: 100 },
    );
  });

  test('equals HKDF-SHA256 with label || 0x00 || context as info when a context is given', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LABELS), bytes32, bytes32, fc.uint8Array({ maxLength: 40, size: 'max' }), (label, ikm, salt, context) => {
        const derived = toHex(deriveKey(ikm, salt, label, 32, context));
        assert.equal(derived, toHex(hkdf(sha256, ikm, salt, expectedInfo(label, context), 32)));
        assert.equal(derived, Buffer.from(hkdfSync('sha256', ikm, salt, expectedInfo(label, context), 32)).toString('hex'));
      }),
      { numRuns: 100 },
    );
  });

  test('defaults to 32 bytes', () => {
    assert.equal(deriveKey(new Uint8Array(32), new Uint8Array(16), HKDF_INFO.ID_HASH).length, 32);
  });

  test('distinct labels give distinct keys from the same input', () => {
    const ikm = new Uint8Array(32).fill(1);
    const salt = new Uint8Array(16).fill(2);
    const keys = new Set(LABELS.map((label) => toHex(deriveKey(ikm, salt, label))));
    assert.equal(keys.size, LABELS.length);
    assert.ok(LABELS.length >= 5);
  });

  test('distinct contexts give distinct keys, and an empty context differs from none', () => {
    const ikm = new Uint8Array(32).fill(3);
    const salt = new Uint8Array(16).fill(4);
    const label = HKDF_INFO.DATA_KEY_WRAP;
    const contexts = [undefined, new Uint8Array(0), new Uint8Array([0]), new Uint8Array([1]), new Uint8Array([0, 0]), utf8('epoch 1'), utf8('epoch 2')];
    const keys = new Set(contexts.map((context) => toHex(deriveKey(ikm, salt, label, 32, context))));
    assert.equal(keys.size, contexts.length);
  });

  test('the salt changes the key', () => {
    const ikm = new Uint8Array(32).fill(5);
    const a = deriveKey(ikm, new Uint8Array(16).fill(1), HKDF_INFO.HEADER_MAC);
    const b = deriveKey(ikm, new Uint8Array(16).fill(2), HKDF_INFO.HEADER_MAC);
    assert.notEqual(toHex(a), toHex(b));
  });
});

describe('keyedHash', () => {
  test('the reference HMAC-SHA256 reproduces RFC 4231 test cases 1 and 2', () => {
    assert.equal(
      toHex(hmac(sha256, fromHex('0b'.repeat(20)), utf8('Hi There'))),
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    assert.equal(
      toHex(hmac(sha256, utf8('Jefe'), utf8('what do ya want for nothing?'))),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  test('equals HMAC-SHA256 on 200 random 32-byte keys', () => {
    fc.assert(
      fc.property(bytes32, fc.uint8Array({ maxLength: 1024, size: 'max' }), (keyBytes, data) => {
        const expected = toHex(hmac(sha256, keyBytes, data));
        assert.equal(toHex(keyedHash(new SymmetricKey(keyBytes.slice()), data)), expected);
      }),
      { numRuns: 200 },
    );
  });

  test('a shorter length returns exactly that prefix of the MAC', () => {
    const key = new SymmetricKey(new Uint8Array(32).fill(9));
    const data = utf8('document id 17');
    const full = toHex(hmac(sha256, new Uint8Array(32).fill(9), data));
    for (const length of [1, 8, 16, 31, 32]) {
      const mac = keyedHash(key, data, length);
      assert.equal(mac.length, length);
      assert.equal(toHex(mac), full.slice(0, length * 2));
    }
  });
});

describe('equalSecret', () => {
  test('is true for equal bytes, including empty ones', () => {
    assert.equal(equalSecret(new Uint8Array(0), new Uint8Array(0)), true);
    assert.equal(equalSecret(fromHex('00ff10'), fromHex('00ff10')), true);
    const a = crypto.getRandomValues(new Uint8Array(32));
    assert.equal(equalSecret(a, a.slice()), true);
  });

  test('is false when any single byte differs', () => {
    const a = crypto.getRandomValues(new Uint8Array(32));
    for (let i = 0; i < a.length; i++) {
      const b = a.slice();
      b[i] = (b[i] as number) ^ 1;
      assert.equal(equalSecret(a, b), false, `byte ${i}`);
    }
  });

  test('is false, without throwing, for different lengths', () => {
    const a = new Uint8Array(32).fill(7);
    assert.equal(equalSecret(a, a.subarray(0, 31)), false);
    assert.equal(equalSecret(a.subarray(0, 16), a), false);
    assert.equal(equalSecret(new Uint8Array(0), a), false);
  });
});

test('sha256Digest matches the FIPS 180-2 "abc" vector', () => {
  assert.equal(toHex(sha256Digest(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
