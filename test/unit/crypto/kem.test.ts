/**
 * Hybrid ML-KEM-768 + X25519 key encapsulation (src/crypto/kem.ts), which
 * wraps every data key. Checks the round trip, the sizes the header format
 * relies on, implicit rejection (a wrong key or damaged ciphertext yields a
 * different secret, never an error), that the Random is really injected,
 * and that the temporaries kem.ts wipes are copies, not the results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import {
  KEM_CIPHERTEXT_LENGTH,
  KEM_PUBLIC_KEY_LENGTH,
  KEM_SECRET_KEY_LENGTH,
  generateKemKeyPair,
  kemDecapsulate,
  kemEncapsulate,
  kemPublicKey,
} from '../../../src/crypto/kem.ts';
import type { Random } from '../../../src/crypto/random.ts';
import { toHex } from '../../../src/util/bytes.ts';

/** A Random that returns `fill` bytes and keeps every buffer it handed out. */
function recordingRandom(fill: number): { random: Random; handedOut: Uint8Array[] } {
  const handedOut: Uint8Array[] = [];
  const random: Random = (length) => {
    const bytes = new Uint8Array(length).fill(fill);
    handedOut.push(bytes);
    return bytes;
  };
  return { random, handedOut };
}

const isZero = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0);

test('decapsulation recovers the encapsulated shared secret', () => {
  for (let i = 0; i < 5; i++) {
    const { publicKey, secretKey } = generateKemKeyPair();
    const { cipherText, sharedSecret } = kemEncapsulate(publicKey);
    assert.equal(toHex(kemDecapsulate(cipherText, secretKey)), toHex(sharedSecret));
  }
});

test('keys, ciphertext and secret have the lengths the format records', () => {
  const { publicKey, secretKey } = generateKemKeyPair();
  const { cipherText, sharedSecret } = kemEncapsulate(publicKey);
  assert.equal(publicKey.length, KEM_PUBLIC_KEY_LENGTH);
  assert.equal(secretKey.length, KEM_SECRET_KEY_LENGTH);
  assert.equal(cipherText.length, KEM_CIPHERTEXT_LENGTH);
  assert.equal(sharedSecret.length, 32);
});

test('the exported length constants match ML-KEM-768 + X25519 (X-Wing) sizes', () => {
  // FIPS 203 ML-KEM-768: ek 1184, ct 1088; X25519: 32 + 32. X-Wing keeps a 32-byte seed.
  assert.equal(KEM_PUBLIC_KEY_LENGTH, 1184 + 32);
  assert.equal(KEM_CIPHERTEXT_LENGTH, 1088 + 32);
  assert.equal(KEM_SECRET_KEY_LENGTH, 32);
  assert.equal(ml_kem768_x25519.lengths.publicKey, KEM_PUBLIC_KEY_LENGTH);
  assert.equal(ml_kem768_x25519.lengths.cipherText, KEM_CIPHERTEXT_LENGTH);
  assert.equal(ml_kem768_x25519.lengths.secretKey, KEM_SECRET_KEY_LENGTH);
});

test('another key pair’s secret key decapsulates to a different secret', () => {
  const alice = generateKemKeyPair();
  const mallory = generateKemKeyPair();
  const { cipherText, sharedSecret } = kemEncapsulate(alice.publicKey);
  const wrong = kemDecapsulate(cipherText, mallory.secretKey);
  assert.equal(wrong.length, sharedSecret.length);
  assert.notEqual(toHex(wrong), toHex(sharedSecret));
});

test('kemPublicKey recomputes the generated public key from the secret key', () => {
  for (let i = 0; i < 3; i++) {
    const { publicKey, secretKey } = generateKemKeyPair();
    assert.equal(toHex(kemPublicKey(secretKey)), toHex(publicKey));
  }
});

test('a flipped ciphertext bit gives a different secret instead of an error (implicit rejection)', () => {
  const { publicKey, secretKey } = generateKemKeyPair();
  const { cipherText, sharedSecret } = kemEncapsulate(publicKey);
  const mlKemPart = KEM_CIPHERTEXT_LENGTH - 32;
  // ML-KEM part (first, middle, last byte), X25519 part, and the X25519
  // u-coordinate's top bit, which X25519 itself ignores but the combiner hashes.
  const positions: Array<[byte: number, bit: number]> = [
    [0, 0],
    [mlKemPart >> 1, 3],
    [mlKemPart - 1, 7],
    [mlKemPart, 0],
    [KEM_CIPHERTEXT_LENGTH - 1, 7],
  ];
  for (const [byte, bit] of positions) {
    const damaged = cipherText.slice();
    damaged[byte] = (damaged[byte] as number) ^ (1 << bit);
    const secret = kemDecapsulate(damaged, secretKey);
    assert.equal(secret.length, sharedSecret.length);
    assert.notEqual(toHex(secret), toHex(sharedSecret), `byte ${byte} bit ${bit}`);
  }
});

test('an injected Random makes key generation and encapsulation repeatable', () => {
  const a = generateKemKeyPair(recordingRandom(1).random);
  const b = generateKemKeyPair(recordingRandom(1).random);
  const c = generateKemKeyPair(recordingRandom(2).random);
  assert.equal(toHex(a.publicKey), toHex(b.publicKey));
  assert.notEqual(toHex(a.publicKey), toHex(c.publicKey));

  const e1 = kemEncapsulate(a.publicKey, recordingRandom(7).random);
  const e2 = kemEncapsulate(a.publicKey, recordingRandom(7).random);
  const e3 = kemEncapsulate(a.publicKey, recordingRandom(8).random);
  assert.equal(toHex(e1.cipherText), toHex(e2.cipherText));
  assert.equal(toHex(e1.sharedSecret), toHex(e2.sharedSecret));
  assert.notEqual(toHex(e1.cipherText), toHex(e3.cipherText));
  assert.equal(toHex(kemDecapsulate(e3.cipherText, a.secretKey)), toHex(e3.sharedSecret));
});

test('key generation draws a 32-byte seed, wipes it, and keeps the secret key intact', () => {
  const { random, handedOut } = recordingRandom(0x42);
  const { publicKey, secretKey } = generateKemKeyPair(random);
  assert.deepEqual(handedOut.map((b) => b.length), [KEM_SECRET_KEY_LENGTH]);
  assert.ok(isZero(handedOut[0] as Uint8Array), 'seed was not wiped');
  // X-Wing's secret key is the seed itself, so it must be a separate copy.
  assert.equal(toHex(secretKey), '42'.repeat(KEM_SECRET_KEY_LENGTH));
  assert.equal(toHex(kemPublicKey(secretKey)), toHex(publicKey));
});

test('encapsulation wipes its coins and still returns a working secret', () => {
  const { publicKey, secretKey } = generateKemKeyPair();
  const { random, handedOut } = recordingRandom(0x99);
  const { cipherText, sharedSecret } = kemEncapsulate(publicKey, random);
  assert.deepEqual(handedOut.map((b) => b.length), [ml_kem768_x25519.lengths.msgRand]);
  assert.ok(isZero(handedOut[0] as Uint8Array), 'coins were not wiped');
  assert.ok(!isZero(sharedSecret));
  assert.equal(toHex(kemDecapsulate(cipherText, secretKey)), toHex(sharedSecret));
});
