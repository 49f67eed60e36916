/**
 * seal/open (src/crypto/aead.ts): the one AEAD every record goes through.
 * Checks the layout (nonce || ciphertext || tag, SEAL_OVERHEAD bytes extra),
 * that nonces are fresh per seal and really come from the injected Random,
 * and that every wrong key, wrong AAD or truncation yields undefined rather
 * than a plaintext or an exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SEAL_OVERHEAD, open, seal } from '../../../src/crypto/aead.ts';
import { KEY_LENGTH, SymmetricKey } from '../../../src/crypto/keys.ts';
import type { Random } from '../../../src/crypto/random.ts';
import { NONCE_LENGTH, TAG_LENGTH, nobleXChaCha } from '../../../src/crypto/xchacha.ts';
import { toHex, utf8 } from '../../../src/util/bytes.ts';

const newKey = (fill?: number): SymmetricKey =>
  new SymmetricKey(fill === undefined ? crypto.getRandomValues(new Uint8Array(KEY_LENGTH)) : new Uint8Array(KEY_LENGTH).fill(fill));

const AAD = utf8('store 1 / page 42 / epoch 3');

test('SEAL_OVERHEAD is a 24-byte nonce plus a 16-byte tag', () => {
  assert.equal(NONCE_LENGTH, 24);
  assert.equal(TAG_LENGTH, 16);
  assert.equal(SEAL_OVERHEAD, 40);
});

test('open returns exactly what seal was given', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: KEY_LENGTH, maxLength: KEY_LENGTH }),
      fc.uint8Array({ maxLength: 2048, size: 'max' }),
      fc.uint8Array({ maxLength: 64, size: 'max' }),
      (keyBytes, plaintext, aad) => {
        const key = new SymmetricKey(keyBytes);
        const opened = open(key, seal(key, plaintext, aad), aad);
        assert.ok(opened !== undefined);
        assert.equal(toHex(opened), toHex(plaintext));
      },
    ),
    { numRuns: 200 },
  );
});

test('a sealed message is the plaintext length plus SEAL_OVERHEAD', () => {
  const key = newKey();
  for (const length of [0, 1, 15, 16, 17, 63, 64, 65, 1000, 4096]) {
    assert.equal(seal(key, new Uint8Array(length), AAD).length, length + SEAL_OVERHEAD, `length ${length}`);
  }
});

test('the layout is nonce then ciphertext and tag, readable by the noble twin', () => {
  const key = newKey();
  const plaintext = utf8('layout check');
  const sealed = seal(key, plaintext, AAD);
  const plain = nobleXChaCha.decrypt(key.bytes, sealed.subarray(0, NONCE_LENGTH), sealed.subarray(NONCE_LENGTH), AAD);
  assert.ok(plain !== undefined);
  assert.equal(toHex(plain), toHex(plaintext));
});

test('two seals of the same input differ, nonces included', () => {
  const key = newKey();
  const plaintext = utf8('same input twice');
  const a = seal(key, plaintext, AAD);
  const b = seal(key, plaintext, AAD);
  assert.notEqual(toHex(a.subarray(0, NONCE_LENGTH)), toHex(b.subarray(0, NONCE_LENGTH)));
  assert.notEqual(toHex(a), toHex(b));
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(toHex(seal(key, plaintext, AAD).subarray(0, NONCE_LENGTH)));
  assert.equal(seen.size, 1000);
});

test('an injected constant Random gives identical nonces and identical output', () => {
  const requests: number[] = [];
  const constant: Random = (length) => {
    requests.push(length);
    return new Uint8Array(length).fill(0x5a);
  };
  const key = newKey(3);
  const plaintext = utf8('deterministic only because the RNG is broken');
  const a = seal(key, plaintext, AAD, constant);
  const b = seal(key, plaintext, AAD, constant);
  assert.deepEqual(requests, [NONCE_LENGTH, NONCE_LENGTH]);
  assert.equal(toHex(a.subarray(0, NONCE_LENGTH)), '5a'.repeat(NONCE_LENGTH));
  assert.equal(toHex(a), toHex(b));
  const opened = open(key, a, AAD);
  assert.ok(opened !== undefined);
  assert.equal(toHex(opened), toHex(plaintext));
});

test('the nonce written is the one the Random returned', () => {
  const nonces: Uint8Array[] = [];
  const recording: Random = (length) => {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    nonces.push(bytes.slice());
    return bytes;
  };
  const sealed = seal(newKey(), utf8('x'), AAD, recording);
  assert.equal(nonces.length, 1);
  assert.equal(toHex(sealed.subarray(0, NONCE_LENGTH)), toHex(nonces[0] as Uint8Array));
});

test('a wrong key returns undefined', () => {
  const sealed = seal(newKey(1), utf8('secret'), AAD);
  assert.equal(open(newKey(2), sealed, AAD), undefined);
  assert.equal(open(newKey(), sealed, AAD), undefined);
});

test('a wrong, empty, shortened or extended AAD returns undefined', () => {
  const key = newKey();
  const sealed = seal(key, utf8('secret'), AAD);
  const extended = new Uint8Array(AAD.length + 1);
  extended.set(AAD);
  for (const aad of [utf8('store 1 / page 43 / epoch 3'), new Uint8Array(0), AAD.subarray(0, AAD.length - 1), extended]) {
    assert.equal(open(key, sealed, aad), undefined, toHex(aad));
  }
});

test('every truncation of a sealed message returns undefined', () => {
  const key = newKey();
  const sealed = seal(key, new Uint8Array(64).fill(1), AAD);
  assert.ok(sealed.length > SEAL_OVERHEAD + 8);
  for (let length = 0; length < sealed.length; length++) {
    assert.equal(open(key, sealed.subarray(0, length), AAD), undefined, `first ${length} bytes`);
    assert.equal(open(key, sealed.subarray(sealed.length - length), AAD), undefined, `last ${length} bytes`);
  }
});

test('an empty plaintext seals to SEAL_OVERHEAD bytes and opens to empty', () => {
  const key = newKey();
  const sealed = seal(key, new Uint8Array(0), AAD);
  assert.equal(sealed.length, SEAL_OVERHEAD);
  assert.equal(open(key, sealed, AAD)?.length, 0);
});

test('sealing or opening with a wiped key throws instead of using zero bytes', () => {
  const key = newKey();
  const sealed = seal(key, utf8('before wipe'), AAD);
  key.wipe();
  assert.throws(() => seal(key, utf8('after wipe'), AAD), TypeError);
  assert.throws(() => open(key, sealed, AAD), TypeError);
});
