/**
 * Recovery codes: 160 bits that survive being written down and typed back.
 * Checks the round trip, that every single mistyped character is caught and
 * its group named, and the forgiving normalization (case, dashes, O/I/L).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatRecoveryCode, generateRecoveryCode, parseRecoveryCode, RECOVERY_ENTROPY_LENGTH } from '../../../src/keyring/recovery-code.ts';
import { systemRandom } from '../../../src/crypto/random.ts';
import { InvalidArgumentError } from '../../../src/errors.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

test('a code formats as eight dash-separated groups of five and parses back to its entropy', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: RECOVERY_ENTROPY_LENGTH, maxLength: RECOVERY_ENTROPY_LENGTH }), (entropy) => {
      const code = formatRecoveryCode(entropy);
      assert.match(code, /^([0-9A-HJKMNP-TV-Z]{5}-){7}[0-9A-HJKMNP-TV-Z]{5}$/);
      assert.deepEqual(parseRecoveryCode(code), entropy);
    }),
    { numRuns: 500 },
  );
});

test('generated codes carry 160 bits and differ each time', () => {
  const a = generateRecoveryCode(systemRandom);
  const b = generateRecoveryCode(systemRandom);
  assert.equal(a.entropy.length * 8, 160);
  assert.notEqual(a.code, b.code);
});

test('every single-character substitution is rejected and names its group', () => {
  const code = formatRecoveryCode(systemRandom(RECOVERY_ENTROPY_LENGTH)).replace(/-/g, '');
  for (let position = 0; position < code.length; position++) {
    for (const replacement of ALPHABET) {
      if (replacement === code[position]) continue;
      const typo = code.slice(0, position) + replacement + code.slice(position + 1);
      assert.throws(
        () => parseRecoveryCode(typo),
        (error: unknown) => error instanceof InvalidArgumentError && error.argument === 'recoveryCode' && error.message.includes(`group ${Math.floor(position / 5) + 1}`),
        `position ${position} -> ${replacement}`,
      );
    }
  }
});

test('case, spaces, dashes and the Crockford look-alikes are accepted', () => {
  const entropy = systemRandom(RECOVERY_ENTROPY_LENGTH);
  const code = formatRecoveryCode(entropy);
  const sloppy = ` ${code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l')} `;
  assert.deepEqual(parseRecoveryCode(sloppy), entropy);
});

test('wrong length, foreign characters and non-strings are invalid arguments', () => {
  const code = formatRecoveryCode(systemRandom(RECOVERY_ENTROPY_LENGTH));
  for (const bad of [code.slice(0, -1), `${code}0`, code.replace(/.$/, 'U'), '', 42, null, undefined]) {
    assert.throws(() => parseRecoveryCode(bad), (error: unknown) => error instanceof InvalidArgumentError && error.code === 'SYN_INVALID_ARGUMENT');
  }
});
