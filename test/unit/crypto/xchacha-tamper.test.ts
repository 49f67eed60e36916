/**
 * Authentication of XChaCha20-Poly1305 in both implementations: flipping
 * any one bit of the nonce, ciphertext, tag or AAD must make decryption
 * return undefined, never a (wrong) plaintext. Every bit position is tried
 * for a small message; random positions for messages up to 4 KiB.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NONCE_LENGTH, TAG_LENGTH, nativeXChaCha, nobleXChaCha, type XChaChaImpl } from '../../../src/crypto/xchacha.ts';
import { toHex } from '../../../src/util/bytes.ts';

type Part = 'nonce' | 'sealed' | 'aad';

interface Message {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
  readonly aad: Uint8Array;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

/** Decrypts `message` with one bit of `part` flipped. */
function openFlipped(impl: XChaChaImpl, message: Message, part: Part, bit: number): Uint8Array | undefined {
  const nonce = part === 'nonce' ? flipBit(message.nonce, bit) : message.nonce;
  const sealed = part === 'sealed' ? flipBit(message.sealed, bit) : message.sealed;
  const aad = part === 'aad' ? flipBit(message.aad, bit) : message.aad;
  return impl.decrypt(message.key, nonce, sealed, aad);
}

function bitLength(message: Message, part: Part): number {
  return (part === 'nonce' ? message.nonce : part === 'sealed' ? message.sealed : message.aad).length * 8;
}

const PARTS: readonly Part[] = ['nonce', 'sealed', 'aad'];

for (const impl of [nativeXChaCha, nobleXChaCha]) {
  describe(`tampering with XChaCha20-Poly1305 via ${impl.name}`, () => {
    const plaintext = new Uint8Array(21).map((_, i) => i * 7);
    const small: Message = (() => {
      const key = new Uint8Array(32).map((_, i) => 255 - i);
      const nonce = new Uint8Array(NONCE_LENGTH).map((_, i) => i * 3);
      const aad = new Uint8Array(13).map((_, i) => i + 100);
      return { key, nonce, aad, sealed: impl.encrypt(key, nonce, plaintext, aad) };
    })();

    test('the untampered small message opens', () => {
      const plain = impl.decrypt(small.key, small.nonce, small.sealed, small.aad);
      assert.ok(plain !== undefined);
      assert.equal(toHex(plain), toHex(plaintext));
    });

    for (const part of PARTS) {
      test(`flipping any single bit of the ${part === 'sealed' ? 'ciphertext or tag' : part} is rejected`, () => {
        const bits = bitLength(small, part);
        assert.ok(bits > 0);
        for (let bit = 0; bit < bits; bit++) {
          assert.equal(openFlipped(impl, small, part, bit), undefined, `${part} bit ${bit}`);
        }
      });
    }

    test('a flipped bit anywhere in a larger message is rejected', () => {
      const message = fc
        .record({
          key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          nonce: fc.uint8Array({ minLength: NONCE_LENGTH, maxLength: NONCE_LENGTH }),
          plaintext: fc.uint8Array({ minLength: 1, maxLength: 4096, size: 'max' }),
          aad: fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }),
        })
        .map(({ key, nonce, plaintext: p, aad }): Message => ({ key, nonce, aad, sealed: impl.encrypt(key, nonce, p, aad) }));
      fc.assert(
        fc.property(message, fc.constantFrom(...PARTS), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (m, part, where) => {
          const bit = Math.floor(where * bitLength(m, part));
          assert.equal(openFlipped(impl, m, part, bit), undefined, `${part} bit ${bit}`);
        }),
        { numRuns: 300 },
      );
    });

    test('a message shorter than the tag is rejected, not thrown on', () => {
      for (let length = 0; length < TAG_LENGTH; length++) {
        assert.equal(impl.decrypt(small.key, small.nonce, small.sealed.subarray(0, length), small.aad), undefined, `length ${length}`);
      }
    });

    test('a tag moved onto a different ciphertext length is rejected', () => {
      const body = small.sealed.subarray(0, small.sealed.length - TAG_LENGTH);
      const tag = small.sealed.subarray(small.sealed.length - TAG_LENGTH);
      for (let cut = 1; cut <= body.length; cut++) {
        const shorter = new Uint8Array(body.length - cut + TAG_LENGTH);
        shorter.set(body.subarray(0, body.length - cut), 0);
        shorter.set(tag, body.length - cut);
        assert.equal(impl.decrypt(small.key, small.nonce, shorter, small.aad), undefined, `cut ${cut}`);
      }
    });
  });
}
