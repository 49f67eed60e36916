/**
 * Argon2id on the background worker (src/crypto/argon2.ts). Known answers
 * come from the reference implementation's suite (phc-winner-argon2
 * src/test.c, Argon2id v1.3, `m` there is log2 KiB). Beyond correctness
 * this checks what the worker exists for: the event loop stays responsive
 * during a 64 MiB derivation, an abort rejects with AbortedError, and the
 * other callers' jobs survive the worker being killed for that abort.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Argon2Worker, argon2id, type Argon2Params } from '../../../src/crypto/argon2.ts';
import { AbortedError, SynapsedError } from '../../../src/errors.ts';
import { toHex, utf8 } from '../../../src/util/bytes.ts';

const PASSWORD = utf8('password');
const SALT = utf8('somesalt');

// phc-winner-argon2 src/test.c, Argon2id, version ARGON2_VERSION_13 (v=19), 32-byte output.
const KATS: ReadonlyArray<{ name: string; params: Argon2Params; hex: string }> = [
  { name: 't=2 m=2^16 p=1', params: { iterations: 2, memoryKiB: 1 << 16, parallelism: 1, salt: SALT }, hex: '09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7' },
  { name: 't=2 m=2^8 p=1', params: { iterations: 2, memoryKiB: 1 << 8, parallelism: 1, salt: SALT }, hex: '9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe' },
  { name: 't=2 m=2^8 p=2', params: { iterations: 2, memoryKiB: 1 << 8, parallelism: 2, salt: SALT }, hex: '6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037' },
];
const KAT_64MIB = KATS[0] as (typeof KATS)[number];

/** Small but legal parameters, for tests about behaviour rather than cost. */
const FAST: Argon2Params = { iterations: 1, memoryKiB: 1024, parallelism: 1, salt: utf8('sixteen byte salt') };
/** The store defaults: 64 MiB, t=3, p=4. */
const DEFAULT_COST: Argon2Params = { iterations: 3, memoryKiB: 65536, parallelism: 4, salt: utf8('0123456789abcdef') };

const isAborted = (error: unknown): boolean => error instanceof AbortedError && error.code === 'SYN_ABORTED';

describe('known answers', { timeout: 30_000 }, () => {
  for (const kat of KATS) {
    test(`matches the reference Argon2id v1.3 output for "password"/"somesalt", ${kat.name}`, async () => {
      assert.equal(toHex(await argon2id(PASSWORD, kat.params)), kat.hex);
    });
  }
});

describe('derivation', () => {
  test('is deterministic for the same inputs', async () => {
    const [a, b] = await Promise.all([argon2id(utf8('correct horse'), FAST), argon2id(utf8('correct horse'), FAST)]);
    assert.equal(toHex(a), toHex(b));
  });

  test('changes with the password and with the salt', async () => {
    const base = toHex(await argon2id(utf8('correct horse'), FAST));
    const otherPassword = toHex(await argon2id(utf8('correct horsf'), FAST));
    const otherSalt = toHex(await argon2id(utf8('correct horse'), { ...FAST, salt: utf8('sixteen byte salu') }));
    assert.notEqual(base, otherPassword);
    assert.notEqual(base, otherSalt);
    assert.notEqual(otherPassword, otherSalt);
  });

  test('returns the requested length, and the length changes the whole output', async () => {
    const short = await argon2id(PASSWORD, FAST, 32);
    const long = await argon2id(PASSWORD, FAST, 64);
    assert.equal(short.length, 32);
    assert.equal(long.length, 64);
    assert.notEqual(toHex(long.subarray(0, 32)), toHex(short));
  });

  test('invalid parameters reject instead of hanging, and the worker keeps serving', async () => {
    await assert.rejects(argon2id(PASSWORD, { ...FAST, salt: utf8('salt') }), Error); // under 8 bytes
    await assert.rejects(argon2id(PASSWORD, { ...FAST, iterations: 0 }), Error);
    assert.equal(toHex(await argon2id(PASSWORD, KATS[1]!.params)), KATS[1]!.hex);
  });

  test(
    'invalid parameters reject with a coded SynapsedError',
    async () => {
      await assert.rejects(argon2id(PASSWORD, { ...FAST, salt: utf8('salt') }), (error: unknown) => error instanceof SynapsedError && typeof error.code === 'string');
    },
  );

  test('leaves the caller’s password and salt untouched', async () => {
    const password = utf8('do not wipe me');
    const salt = FAST.salt.slice();
    await argon2id(password, { ...FAST, salt });
    assert.equal(Buffer.from(password).toString('utf8'), 'do not wipe me');
    assert.equal(toHex(salt), toHex(FAST.salt));
  });
});

// A timeout turns a lost job (never resubmitted after an abort) into a failure instead of a hang.
describe('running off the main thread', { timeout: 30_000 }, () => {
  test('a 64 MiB derivation does not block the event loop', async () => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const started = performance.now();
    const key = await argon2id(PASSWORD, DEFAULT_COST);
    const elapsedMs = performance.now() - started;
    histogram.disable();
    const maxDelayMs = histogram.max / 1e6;
    assert.equal(key.length, 32);
    assert.ok(maxDelayMs < 0.25 * elapsedMs, `max loop delay ${maxDelayMs.toFixed(1)} ms of ${elapsedMs.toFixed(0)} ms`);
    assert.ok(maxDelayMs < 100, `max loop delay ${maxDelayMs.toFixed(1)} ms`);
  });

  test('aborting mid-derivation rejects with AbortedError and a concurrent job still completes', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    let abortedSettled = false;
    const aborted = argon2id(PASSWORD, DEFAULT_COST, 32, controller.signal).finally(() => {
      abortedSettled = true;
    });
    const survivor = argon2id(PASSWORD, KAT_64MIB.params);
    await delay(50);
    assert.equal(abortedSettled, false, 'the derivation finished before it could be aborted');
    controller.abort(reason);
    await assert.rejects(aborted, (error: unknown) => isAborted(error) && (error as AbortedError).cause === reason);
    assert.equal(toHex(await survivor), KAT_64MIB.hex);
    // The replacement worker keeps serving later calls.
    assert.equal(toHex(await argon2id(PASSWORD, KATS[1]!.params)), KATS[1]!.hex);
  });

  test('an already-aborted signal rejects before any work is scheduled', async () => {
    const reason = new Error('too late');
    const derivation = argon2id(PASSWORD, DEFAULT_COST, 32, AbortSignal.abort(reason));
    const first = await Promise.race([
      derivation.then(
        () => 'resolved',
        (error: unknown) => (isAborted(error) && (error as AbortedError).cause === reason ? 'aborted' : 'other error'),
      ),
      new Promise((resolve) => setImmediate(resolve, 'still pending')),
    ]);
    assert.equal(first, 'aborted');
  });

  test('aborting after completion changes nothing', async () => {
    const controller = new AbortController();
    const key = await argon2id(PASSWORD, KATS[2]!.params, 32, controller.signal);
    controller.abort();
    assert.equal(toHex(key), KATS[2]!.hex);
  });

  test('terminating a worker rejects its pending derivations with AbortedError', async () => {
    const worker = new Argon2Worker();
    const pending = assert.rejects(worker.derive(PASSWORD, DEFAULT_COST), isAborted);
    await worker.terminate();
    await pending;
  });
});
