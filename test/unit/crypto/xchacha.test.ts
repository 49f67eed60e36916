/**
 * XChaCha20-Poly1305 known answers: the HChaCha20 and AEAD vectors of
 * draft-irtf-cfrg-xchacha-03 (§2.2.1, §A.3.1), then every case of
 * Wycheproof's xchacha20_poly1305_test.json, run against BOTH
 * implementations. The native path is hand-assembled from HChaCha20 and
 * OpenSSL's ChaCha20-Poly1305, so only external vectors prove it is
 * XChaCha and not merely self-consistent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hchachaSubkey, nativeXChaCha, nobleXChaCha, type XChaChaImpl } from '../../../src/crypto/xchacha.ts';
import { concatBytes, fromHex, toHex, utf8 } from '../../../src/util/bytes.ts';

const IMPLS: readonly XChaChaImpl[] = [nativeXChaCha, nobleXChaCha];

// draft-irtf-cfrg-xchacha-03 §2.2.1.
const HCHACHA = {
  key: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  nonce: '000000090000004a0000000031415927',
  subkey: '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
};

// draft-irtf-cfrg-xchacha-03 §A.3.1.
const AEAD = {
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  nonce: '404142434445464748494a4b4c4d4e4f5051525354555657',
  aad: '50515253c0c1c2c3c4c5c6c7',
  plaintext: "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ciphertext:
    'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39' +
    'ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
    '21f9664c97637da9768812f615c68b13b52e',
  tag: 'c0875924c1c7987947deafd8780acf49',
};

interface WycheproofCase {
  readonly tcId: number;
  readonly flags: readonly string[];
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
  readonly result: 'valid' | 'invalid' | 'acceptable';
}

interface WycheproofFile {
  readonly numberOfTests: number;
  readonly testGroups: readonly { readonly ivSize: number; readonly tests: readonly WycheproofCase[] }[];
}

const wycheproof = JSON.parse(
  readFileSync(new URL('../../fixtures/vectors/wycheproof-xchacha20-poly1305.json', import.meta.url), 'utf8'),
) as WycheproofFile;
const cases = wycheproof.testGroups.flatMap((group) => group.tests);
const valid = cases.filter((c) => c.result === 'valid');
const invalid = cases.filter((c) => c.result === 'invalid');

describe('HChaCha20', () => {
  test('derives the subkey of draft-irtf-cfrg-xchacha-03 §2.2.1', () => {
    assert.equal(toHex(hchachaSubkey(fromHex(HCHACHA.key), fromHex(HCHACHA.nonce))), HCHACHA.subkey);
  });

  test('reads only the first 16 bytes of a 24-byte nonce', () => {
    const nonce = concatBytes(fromHex(HCHACHA.nonce), fromHex('ffffffffffffffff'));
    assert.equal(toHex(hchachaSubkey(fromHex(HCHACHA.key), nonce)), HCHACHA.subkey);
  });

  test('leaves its key argument untouched', () => {
    const key = fromHex(HCHACHA.key);
    hchachaSubkey(key, fromHex(HCHACHA.nonce));
    assert.equal(toHex(key), HCHACHA.key);
  });
});

for (const impl of IMPLS) {
  describe(`XChaCha20-Poly1305 via ${impl.name}`, () => {
    test('encrypts the draft §A.3.1 vector to the published ciphertext and tag', () => {
      const sealed = impl.encrypt(fromHex(AEAD.key), fromHex(AEAD.nonce), utf8(AEAD.plaintext), fromHex(AEAD.aad));
      assert.equal(toHex(sealed), AEAD.ciphertext + AEAD.tag);
    });

    test('decrypts the draft §A.3.1 vector back to the plaintext', () => {
      const sealed = fromHex(AEAD.ciphertext + AEAD.tag);
      const plain = impl.decrypt(fromHex(AEAD.key), fromHex(AEAD.nonce), sealed, fromHex(AEAD.aad));
      assert.ok(plain !== undefined);
      assert.equal(Buffer.from(plain).toString('utf8'), AEAD.plaintext);
    });

    test('produces the exact ciphertext and tag of every valid Wycheproof case', () => {
      for (const c of valid) {
        const sealed = impl.encrypt(fromHex(c.key), fromHex(c.iv), fromHex(c.msg), fromHex(c.aad));
        assert.equal(toHex(sealed), c.ct + c.tag, `tcId ${c.tcId}`);
      }
    });

    test('decrypts every valid Wycheproof case back to its message', () => {
      for (const c of valid) {
        const plain = impl.decrypt(fromHex(c.key), fromHex(c.iv), fromHex(c.ct + c.tag), fromHex(c.aad));
        assert.ok(plain !== undefined, `tcId ${c.tcId} was rejected`);
        assert.equal(toHex(plain), c.msg, `tcId ${c.tcId}`);
      }
    });

    test('rejects every invalid Wycheproof case with undefined', () => {
      for (const c of invalid) {
        const plain = impl.decrypt(fromHex(c.key), fromHex(c.iv), fromHex(c.ct + c.tag), fromHex(c.aad));
        assert.equal(plain, undefined, `tcId ${c.tcId} (${c.flags.join(', ')}) was accepted`);
      }
    });
  });
}

test('the stored Wycheproof file is complete: 315 cases, every flag family present', () => {
  assert.equal(cases.length, wycheproof.numberOfTests);
  assert.equal(cases.length, 315);
  assert.equal(cases.filter((c) => c.result === 'acceptable').length, 0);
  const flags = new Set(cases.flatMap((c) => c.flags));
  for (const flag of ['Ktv', 'Pseudorandom', 'EdgeCaseCiphertext', 'EdgeCasePolyKey', 'EdgeCaseTag', 'EdgeCasePoly1305', 'ModifiedTag', 'InvalidNonceSize']) {
    assert.ok(flags.has(flag), flag);
  }
  assert.ok(invalid.some((c) => c.flags.includes('ModifiedTag') && c.msg.length > 0));
});
