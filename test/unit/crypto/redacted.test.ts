/**
 * Secrets must not reach logs or serialized output by accident
 * (src/crypto/redacted.ts, keys.ts). Every common way of turning a value
 * into text must show `<redacted>` and never the secret's hex or UTF-8,
 * while reveal()/bytes still hand the secret to code that asks on purpose.
 * A wiped key must be zero and unusable; a malformed key is rejected with
 * InvalidArgumentError naming the argument, without echoing its bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { format, inspect } from 'node:util';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { KEY_LENGTH, SymmetricKey } from '../../../src/crypto/keys.ts';
import { Redacted, wipe } from '../../../src/crypto/redacted.ts';
import { toHex } from '../../../src/util/bytes.ts';

const SECRET_TEXT = 'hunter2-correct-horse';
const keyBytes = (): Uint8Array => new Uint8Array(KEY_LENGTH).map((_, i) => 0xa0 + i);

/** Every rendering a log line, error report or serializer might produce. */
function renderings(value: unknown): Record<string, string> {
  return {
    String: String(value),
    template: `${value}`,
    concatenation: '' + (value as string),
    json: JSON.stringify(value),
    jsonNested: JSON.stringify({ nested: [value] }),
    inspect: inspect(value),
    inspectDeep: inspect({ a: { b: { c: value } } }, { depth: Infinity, showHidden: true }),
    format: format('%s | %o | %O | %j', value, value, value, value),
  };
}

function assertRedacted(value: unknown, forbidden: readonly string[]): void {
  for (const [how, text] of Object.entries(renderings(value))) {
    assert.ok(text.includes('<redacted>'), `${how}: ${text}`);
    for (const secret of forbidden) assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `${how} leaked the secret`);
  }
}

describe('Redacted', () => {
  test('prints <redacted> everywhere and never the string it holds', () => {
    assertRedacted(new Redacted(SECRET_TEXT), [SECRET_TEXT, 'hunter2']);
  });

  test('prints <redacted> for bytes it holds, never their hex', () => {
    const bytes = keyBytes();
    assertRedacted(new Redacted(bytes), [toHex(bytes), toHex(bytes.subarray(0, 4)), Array.from(bytes.subarray(0, 4)).join(', ')]);
  });

  test('template literals call toString and show <redacted>', () => {
    const secret = new Redacted(SECRET_TEXT);
    assert.equal(`${secret.toString()}`, '<redacted>');
    assert.equal(`[${String(secret)}]`, '[<redacted>]');
  });

  test('reveal returns the very value it was given', () => {
    const bytes = keyBytes();
    assert.equal(new Redacted(SECRET_TEXT).reveal(), SECRET_TEXT);
    assert.equal(new Redacted(bytes).reveal(), bytes);
  });

  test('the value is not reachable through enumeration or spreading', () => {
    const secret = new Redacted(SECRET_TEXT);
    assert.deepEqual(Object.keys(secret), []);
    assert.deepEqual(Object.getOwnPropertyNames(secret), []);
    assert.ok(!JSON.stringify({ ...secret }).includes('hunter2'));
  });
});

describe('SymmetricKey', () => {
  test('prints <redacted> everywhere and never its bytes', () => {
    const bytes = keyBytes();
    const hex = toHex(bytes);
    assertRedacted(new SymmetricKey(bytes), [hex, hex.slice(0, 8), Array.from(bytes.subarray(0, 4)).join(', ')]);
  });

  test('bytes returns the key material it was built from', () => {
    const bytes = keyBytes();
    const key = new SymmetricKey(bytes);
    assert.equal(toHex(key.bytes), toHex(keyBytes()));
    assert.equal(key.wiped, false);
  });

  test('wipe zeroes the bytes in place and later use throws', () => {
    const bytes = keyBytes();
    const key = new SymmetricKey(bytes);
    const view = key.bytes;
    key.wipe();
    assert.ok(bytes.every((b) => b === 0), 'the caller’s buffer was not zeroed');
    assert.ok(view.every((b) => b === 0), 'an earlier view still holds the key');
    assert.equal(key.wiped, true);
    assert.throws(() => key.bytes, TypeError);
    assert.equal(String(key), '<redacted>');
  });

  for (const length of [0, 1, 16, 31, 33, 64]) {
    test(`a ${length}-byte key is rejected with InvalidArgumentError for argument 'key'`, () => {
      assert.throws(
        () => new SymmetricKey(new Uint8Array(length).fill(0xcd)),
        (error: unknown) =>
          error instanceof InvalidArgumentError && error.code === 'SYN_INVALID_ARGUMENT' && error.argument === 'key',
      );
    });
  }

  test('a non-Uint8Array key is rejected with InvalidArgumentError for argument \'key\'', () => {
    for (const bad of [Array.from(keyBytes()), toHex(keyBytes()), null, undefined, new ArrayBuffer(32), new Uint16Array(16)]) {
      assert.throws(
        () => new SymmetricKey(bad as unknown as Uint8Array),
        (error: unknown) => error instanceof InvalidArgumentError && error.code === 'SYN_INVALID_ARGUMENT' && error.argument === 'key',
      );
    }
  });

  test('the rejection does not echo the rejected bytes', () => {
    const bad = new Uint8Array(31).map((_, i) => 0xe0 + (i % 16));
    try {
      new SymmetricKey(bad);
      assert.fail('expected a throw');
    } catch (error) {
      const text = `${String(error)} ${inspect(error)} ${JSON.stringify(error)}`;
      assert.ok(!text.includes(toHex(bad).slice(0, 16)), 'the error leaked key bytes');
      assert.ok(!text.includes(Array.from(bad.subarray(0, 4)).join(', ')), 'the error leaked key bytes');
    }
  });
});

test('wipe zeroes every buffer it is given and skips undefined', () => {
  const a = new Uint8Array(8).fill(1);
  const b = new Uint8Array(3).fill(2);
  wipe(a, undefined, b);
  assert.ok(a.every((x) => x === 0) && b.every((x) => x === 0));
});
