/**
 * Data-key wrapping: a holder of only the public key can wrap a key that
 * only the secret key unwraps, bound to the store and the epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDataKey, unwrapDataKey, wrapDataKey } from '../../../src/keyring/data-keys.ts';
import { generateKemKeyPair } from '../../../src/crypto/kem.ts';
import { systemRandom } from '../../../src/crypto/random.ts';
import { IntegrityError } from '../../../src/errors.ts';

const pair = generateKemKeyPair();
const storeId = systemRandom(16);

test('a key wrapped with the public key unwraps with the secret key', () => {
  const key = generateDataKey();
  const wrapped = wrapDataKey(pair.publicKey, storeId, 1, 7, key);
  assert.equal(wrapped.epoch, 7);
  assert.deepEqual(unwrapDataKey(pair.secretKey, storeId, 1, wrapped).bytes, key.bytes);
});

test('another store id, epoch, version or secret key cannot unwrap it', () => {
  const wrapped = wrapDataKey(pair.publicKey, storeId, 1, 3, generateDataKey());
  const isDataKeyError = (e: unknown): boolean => e instanceof IntegrityError && e.where === 'data-key';
  assert.throws(() => unwrapDataKey(pair.secretKey, systemRandom(16), 1, wrapped), isDataKeyError);
  assert.throws(() => unwrapDataKey(pair.secretKey, storeId, 1, { ...wrapped, epoch: 4 }), isDataKeyError);
  assert.throws(() => unwrapDataKey(pair.secretKey, storeId, 2, wrapped), isDataKeyError);
  assert.throws(() => unwrapDataKey(generateKemKeyPair().secretKey, storeId, 1, wrapped), isDataKeyError);
});

test('a flipped bit anywhere in the wrapped key is an integrity error', () => {
  const wrapped = wrapDataKey(pair.publicKey, storeId, 1, 1, generateDataKey());
  for (const field of ['kemCipherText', 'sealedKey'] as const) {
    for (const index of [0, 5, wrapped[field].length - 1]) {
      const damaged = wrapped[field].slice();
      damaged[index] = (damaged[index] as number) ^ 0x04;
      assert.throws(() => unwrapDataKey(pair.secretKey, storeId, 1, { ...wrapped, [field]: damaged }), IntegrityError, `${field}[${index}]`);
    }
  }
});
