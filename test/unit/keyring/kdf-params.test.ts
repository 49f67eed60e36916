/**
 * Argon2id costs: defaults follow RFC 9106, options may not go below the
 * OWASP floor, and a stored header below the floor is refused at open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KDF_DEFAULTS, KDF_FLOOR, checkStoredKdfCost, resolveKdfCost } from '../../../src/keyring/kdf-params.ts';
import { InvalidArgumentError, KdfTooWeakError } from '../../../src/errors.ts';

test('defaults are RFC 9106 second option and the floor is 19 MiB, t=2, p=1', () => {
  assert.deepEqual(KDF_DEFAULTS, { memoryKiB: 65536, iterations: 3, parallelism: 4 });
  assert.deepEqual(KDF_FLOOR, { memoryKiB: 19456, iterations: 2, parallelism: 1 });
  assert.deepEqual(resolveKdfCost(undefined), KDF_DEFAULTS);
});

test('options override single fields and keep the other defaults', () => {
  assert.deepEqual(resolveKdfCost({ memoryKiB: 131072 }), { ...KDF_DEFAULTS, memoryKiB: 131072 });
  assert.deepEqual(resolveKdfCost({ iterations: 2, parallelism: 1, memoryKiB: 19456 }), KDF_FLOOR);
});

test('costs below the floor, above the ceiling or not integers are invalid arguments naming the field', () => {
  const cases: Array<[object, string]> = [
    [{ memoryKiB: 19455 }, 'options.kdf.memoryKiB'],
    [{ iterations: 1 }, 'options.kdf.iterations'],
    [{ parallelism: 0 }, 'options.kdf.parallelism'],
    [{ parallelism: 256 }, 'options.kdf.parallelism'],
    [{ memoryKiB: 65536.5 }, 'options.kdf.memoryKiB'],
    [{ iterations: '3' }, 'options.kdf.iterations'],
  ];
  for (const [options, argument] of cases) {
    assert.throws(() => resolveKdfCost(options), (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument);
  }
  assert.throws(() => resolveKdfCost(null), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.kdf');
});

test('stored costs below the floor are refused as too weak', () => {
  assert.doesNotThrow(() => checkStoredKdfCost(KDF_FLOOR));
  assert.throws(() => checkStoredKdfCost({ ...KDF_FLOOR, memoryKiB: 1024 }), (e: unknown) => e instanceof KdfTooWeakError && e.code === 'SYN_KDF_TOO_WEAK' && e.parameter === 'memoryKiB');
  assert.throws(() => checkStoredKdfCost({ ...KDF_FLOOR, iterations: 1 }), (e: unknown) => e instanceof KdfTooWeakError && e.parameter === 'iterations');
});
